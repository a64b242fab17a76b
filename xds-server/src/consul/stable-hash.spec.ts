import { canonicalJson, stableHash } from './stable-hash';

describe('stableHash', () => {
  it('ignores object key order at every depth', () => {
    expect(stableHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(stableHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: { z: 1, y: 2 } })).toBe('{"a":{"y":2,"z":1},"b":1}');
  });

  it('keeps array order significant', () => {
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
  });

  it('changes with any value', () => {
    expect(stableHash({ port: 8080 })).not.toBe(stableHash({ port: 8081 }));
    expect(stableHash({ health: 'passing' })).not.toBe(stableHash({ health: 'warning' }));
  });

  it('hashes undefined and empty values distinctly', () => {
    expect(new Set([stableHash(undefined), stableHash(null), stableHash([]), stableHash({})]).size).toBe(4);
  });
});
