import { ChecksView } from './checks-view';
import { parseHealthState } from './health-state';

const raw = (node: string, checkId: string, serviceName: string, status: string, modifyIndex: number, createIndex = 5) => ({
  Node: node,
  CheckID: checkId,
  Name: checkId,
  Status: status,
  Notes: '',
  Output: 'whatever',
  ServiceID: serviceName === '' ? '' : `${serviceName}-1`,
  ServiceName: serviceName,
  ServiceTags: [],
  Type: 'ttl',
  CreateIndex: createIndex,
  ModifyIndex: modifyIndex,
});

describe('parseHealthState', () => {
  it('keeps what identifies a change, sorted by node and check', () => {
    const checks = parseHealthState([raw('b', 'service:web-1', 'web', 'passing', 9), raw('a', 'serfHealth', '', 'passing', 3)], '/v1/health/state/any');
    expect(checks).toEqual([
      { node: 'a', checkId: 'serfHealth', serviceId: '', serviceName: '', status: 'passing', createIndex: 5, modifyIndex: 3 },
      { node: 'b', checkId: 'service:web-1', serviceId: 'web-1', serviceName: 'web', status: 'passing', createIndex: 5, modifyIndex: 9 },
    ]);
  });

  it('names the field that has the wrong shape', () => {
    expect(() => parseHealthState([{ ...raw('a', 'c', 'web', 'passing', 1), ModifyIndex: '1' }], '/v1/health/state/any')).toThrow('[0].ModifyIndex should be an integer, got string');
  });
});

describe('ChecksView', () => {
  const view = (index: bigint, ...checks: Array<ReturnType<typeof raw>>) => ChecksView.of(parseHealthState(checks, 'p'), index);

  it('finds the services whose checks changed in status, in ModifyIndex, or came or went', () => {
    const before = view(10n, raw('a', 'c-web', 'web', 'passing', 1), raw('a', 'c-api', 'api', 'passing', 1), raw('a', 'c-db', 'db', 'passing', 1));
    const after = view(20n, raw('a', 'c-web', 'web', 'critical', 20), raw('a', 'c-api', 'api', 'passing', 15), raw('a', 'c-new', 'new', 'passing', 20));
    expect(ChecksView.changes(before, after)).toEqual({ services: new Set(['web', 'api', 'db', 'new']), nodes: new Set(), removed: true });
  });

  it('reports node checks by node, and knows which services have checks there', () => {
    const before = view(10n, raw('a', 'serfHealth', '', 'passing', 1), raw('a', 'c-web', 'web', 'passing', 1));
    const after = view(11n, raw('a', 'serfHealth', '', 'critical', 11), raw('a', 'c-web', 'web', 'passing', 1));
    expect(ChecksView.changes(before, after)).toEqual({ services: new Set(), nodes: new Set(['a']), removed: false });
    expect([...after.servicesOn('a')]).toEqual(['web']);
    expect([...after.servicesOn('b')]).toEqual([]);
  });

  it('knows the indexes its checks were created and last modified at', () => {
    const v = view(30n, raw('a', 'c-web', 'web', 'passing', 30, 12));
    expect([v.carries(12n), v.carries(30n), v.carries(20n)]).toEqual([true, true, false]);
    expect(v.at(31n).index).toBe(31n);
    expect(v.at(31n).carries(12n)).toBe(true);
  });
});
