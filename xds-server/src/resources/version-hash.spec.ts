import { compareNames, contentVersion } from './version-hash';

describe('contentVersion', () => {
  it('depends on the set, not on the order it is listed in', () => {
    const a = { name: 'a', version: '1' };
    const b = { name: 'b', version: '2' };
    expect(contentVersion([a, b])).toBe(contentVersion([b, a]));
    expect(contentVersion([a, b])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with any name or version, and cannot be fooled by separators inside names', () => {
    const base = contentVersion([{ name: 'a', version: '1' }]);
    expect(contentVersion([{ name: 'a', version: '2' }])).not.toBe(base);
    expect(contentVersion([{ name: 'b', version: '1' }])).not.toBe(base);
    expect(contentVersion([{ name: 'a:1', version: '' }])).not.toBe(contentVersion([{ name: 'a', version: ':1' }]));
    expect(contentVersion([])).not.toBe(base);
  });

  it('is a fixed function of the content (stable across processes)', () => {
    // sha256('[]') truncated: pins the encoding so a refactor cannot silently change every version.
    expect(contentVersion([])).toBe('4f53cda18c2baa0c');
  });
});

describe('compareNames', () => {
  it('orders by code unit, not locale', () => {
    expect(['b', 'B', 'a', '_'].sort(compareNames)).toEqual(['B', '_', 'a', 'b']);
  });
});
