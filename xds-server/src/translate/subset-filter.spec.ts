import { parseSubsetFilter } from './subset-filter';

describe('parseSubsetFilter', () => {
  it('reads meta equalities and tag membership joined by and, quoted or bare', () => {
    expect(parseSubsetFilter('Service.Meta.version == 1')).toEqual({ tags: [], meta: { version: '1' } });
    expect(parseSubsetFilter('"v2" in Service.Tags and Service.Meta.version == "2"')).toEqual({ tags: ['v2'], meta: { version: '2' } });
    expect(parseSubsetFilter('Service.Tags contains canary and Service.Meta["zone-name"] == "a"')).toEqual({ tags: ['canary'], meta: { 'zone-name': 'a' } });
    expect(parseSubsetFilter('')).toEqual({ tags: [], meta: {} });
  });

  it('refuses what a tag-and-meta selector cannot express, naming the clause', () => {
    for (const filter of ['Service.Meta.version != 1', 'Service.Meta.version == 1 or Service.Meta.version == 2', 'Node.Meta.rack == a', 'Service.ID matches "api-.*"']) {
      const parsed = parseSubsetFilter(filter);
      expect(parsed).toHaveProperty('error');
      expect((parsed as { error: string }).error).toMatch(/is not served/);
    }
    expect(parseSubsetFilter('Service.Meta.version == 1 or Service.Meta.version == 2')).toEqual({ error: expect.stringContaining('"Service.Meta.version == 1 or Service.Meta.version == 2"') });
  });
});
