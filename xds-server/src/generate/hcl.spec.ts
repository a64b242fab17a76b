import { attribute, block, map, renderHcl } from './hcl';

describe('renderHcl', () => {
  it('aligns attributes, quotes strings and map keys, and nests blocks', () => {
    expect(
      renderHcl([
        attribute('name', 'a "b"'),
        attribute('port', 80),
        attribute('server', false),
        attribute('tags', ['x', 'y']),
        map('meta', { 'k-1': 'v', version: 'v2' }),
        map('empty', {}),
        block('check', [attribute('interval', '10s')]),
      ]),
    ).toBe(
      'name   = "a \\"b\\""\nport   = 80\nserver = false\ntags   = ["x", "y"]\nmeta   = {\n  "k-1"     = "v"\n  "version" = "v2"\n}\nempty  = {}\ncheck {\n  interval = "10s"\n}\n',
    );
  });
});
