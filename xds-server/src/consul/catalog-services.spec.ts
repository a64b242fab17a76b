import { parseCatalogServices, parseCatalogServiceTags } from './catalog-services';

describe('parseCatalogServiceTags', () => {
  it('reads names with their tags, both sorted, duplicates and nulls tolerated', () => {
    expect(parseCatalogServiceTags({ web: ['v2', 'v1', 'v1'], api: null, consul: [] }, '/v1/catalog/services')).toEqual({ api: [], consul: [], web: ['v1', 'v2'] });
    expect(Object.keys(parseCatalogServiceTags({ web: [], api: [] }, 'p'))).toEqual(['api', 'web']);
  });

  it('still offers the names alone', () => {
    expect(parseCatalogServices({ web: [], api: ['x'] }, 'p')).toEqual(['api', 'web']);
  });

  it('names a tag that is not a string', () => {
    expect(() => parseCatalogServiceTags({ web: [1] }, '/v1/catalog/services')).toThrow('web[0] should be a string, got number');
  });
});
