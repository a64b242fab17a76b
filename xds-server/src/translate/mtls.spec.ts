import { caSnapshotFixture, TRUST_DOMAIN } from '../consul/connect-ca.spec-helper';
import { certificateSubjects, meshIdentity, mtlsInUse, mtlsMode } from './mtls';
import { policy } from './policy-fixtures.spec-helper';
import type { MeshConfigModel, TrafficPolicyModel } from './policy-model';

const config = (policies: TrafficPolicyModel[], gateway?: MeshConfigModel['gateway']): MeshConfigModel => ({
  version: 'v',
  policies: new Map(policies.map((p) => [p.service, p])),
  upstreams: new Map(),
  gateway,
});

describe('mesh mTLS decisions', () => {
  it('takes the mode from the DSL policy; a service the DSL does not declare, or no config, is off', () => {
    const cfg = config([policy('api', { mtls: 'strict' }), policy('web', { mtls: 'permissive' })]);
    expect([mtlsMode(cfg, 'api'), mtlsMode(cfg, 'web'), mtlsMode(cfg, 'other'), mtlsMode(undefined, 'api')]).toEqual(['strict', 'permissive', 'off', 'off']);
    expect([mtlsInUse(cfg), mtlsInUse(config([policy('api')])), mtlsInUse(undefined)]).toEqual([true, false, false]);
  });

  it('knows the SPIFFE identity once the CA snapshot holds a leaf', () => {
    expect(meshIdentity(undefined)).toBeUndefined();
    expect(meshIdentity(caSnapshotFixture({}))).toBeUndefined();
    expect(meshIdentity(caSnapshotFixture({ web: 1 }))).toEqual({ trustDomain: TRUST_DOMAIN, datacenter: 'dc1' });
  });

  it('asks for a leaf per catalog and DSL service and for the gateway, under its DSL name, only while mTLS is in use', () => {
    const gateway = { name: 'edge', port: 8080, routes: [] };
    expect(certificateSubjects(['web', 'db'], config([policy('api', { mtls: 'strict' })], gateway))).toEqual(['api', 'db', 'edge', 'web']);
    expect(certificateSubjects(['web'], config([policy('api', { mtls: 'permissive' })]))).toEqual(['api', 'gateway', 'web']);
    expect(certificateSubjects(['web'], config([policy('api')]))).toEqual([]);
  });
});
