import { changedServices, parseCatalogNodes, parseNodeServices } from './instance-fingerprints';

describe('instance fingerprints', () => {
  it('reads the node list and a node\'s instances, with their registration index', () => {
    expect(parseCatalogNodes([{ Node: 'pi-1', Address: '10.0.0.2' }, { Node: 'pi-2' }], '/v1/catalog/nodes')).toEqual(['pi-1', 'pi-2']);
    const body = { Node: { Node: 'pi-1' }, Services: [{ ID: 'api-1', Service: 'api', ModifyIndex: 40 }, { ID: 'db-1', Service: 'db', ModifyIndex: 7 }] };
    expect(parseNodeServices(body, '/v1/catalog/node-services/pi-1', 'pi-1')).toEqual([
      ['api', 'pi-1/api-1@40'],
      ['db', 'pi-1/db-1@7'],
    ]);
    // A node that went between the two reads has no instances left.
    expect(parseNodeServices({ Node: null, Services: null }, '/v1/catalog/node-services/gone', 'gone')).toEqual([]);
  });

  it('names the field of an answer it cannot read', () => {
    expect(() => parseNodeServices({ Services: [{ ID: 'a', Service: 'api', ModifyIndex: '4' }] }, '/v1/catalog/node-services/n', 'n')).toThrow('Services[0].ModifyIndex');
  });

  it('finds the services whose instances came, went or were registered again', () => {
    const before = new Map([
      ['api', 'n/api-1@4'],
      ['db', 'n/db-1@5'],
      ['web', 'n/web-1@6'],
    ]);
    const after = new Map([
      ['api', 'n/api-1@4\nn/api-2@9'],
      ['db', 'n/db-1@10'],
      ['new', 'n/new-1@11'],
    ]);
    expect([...changedServices(before, after)].sort()).toEqual(['api', 'db', 'new', 'web']);
    expect(changedServices(after, after).size).toBe(0);
  });
});
