import { parseIntentions, INTENTIONS_PATH } from '../consul/connect-intentions';
import { callerRules, callersSummary } from './caller-authorization';
import type { MeshModel, ServiceModel } from './model';
import { policy } from './policy-fixtures.spec-helper';
import type { MeshConfigModel } from './policy-model';

const svc = (name: string): ServiceModel => ({ name, protocol: 'http', endpoints: [] });
const intention = (source: string, destination: string, action: 'allow' | 'deny', precedence = 9) => ({
  SourceName: source,
  DestinationName: destination,
  SourceType: 'consul',
  Action: action,
  Precedence: precedence,
});

function model(allowedCallers: string[] | undefined, intentions: object[]): MeshModel {
  const config: MeshConfigModel = { version: 'v', policies: new Map([['api', policy('api', { allowedCallers })]]), upstreams: new Map(), gateway: undefined };
  return { services: new Map(['api', 'web', 'user', 'gateway'].map((n) => [n, svc(n)])), config, intentions: parseIntentions(intentions, INTENTIONS_PATH) };
}

describe('callerRules: the DSL and Consul intentions together', () => {
  it('without intentions, is the DSL as it is', () => {
    expect(callerRules(model(['web'], []), 'api')).toEqual({ allowedCallers: ['web'], callerPermissions: {} });
    expect(callerRules(model(undefined, []), 'api').allowedCallers).toBeUndefined();
  });

  it('an intention deny wins over the DSL allowing the caller', () => {
    expect(callerRules(model(['web', 'user'], [intention('user', 'api', 'deny')]), 'api').allowedCallers).toEqual(['web']);
  });

  it('the DSL list wins over an intention allowing a caller it does not list', () => {
    expect(callerRules(model(['web'], [intention('user', 'api', 'allow'), intention('web', 'api', 'allow')]), 'api').allowedCallers).toEqual(['web']);
  });

  it('a wildcard deny is an explicit deny for every caller no more precise intention allows', () => {
    expect(callerRules(model(['web', 'user'], [intention('user', 'api', 'allow'), intention('*', 'api', 'deny', 8)]), 'api').allowedCallers).toEqual(['user']);
  });

  it('a deny on a service the DSL leaves open turns RBAC on, for everyone else', () => {
    expect(callerRules(model(undefined, [intention('user', 'api', 'deny')]), 'api').allowedCallers).toEqual(['api', 'gateway', 'web']);
  });

  it('hands on the permissions of an L7 intention for its caller', () => {
    const l7 = { ...intention('web', 'api', 'allow'), Action: undefined, Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }] };
    const rules = callerRules(model(['web', 'user'], [l7]), 'api');
    expect(rules.allowedCallers).toEqual(['user', 'web']);
    expect(rules.callerPermissions).toEqual({ web: [{ action: 'deny', path: { kind: 'prefix', value: '/admin' }, methods: [], headers: [] }] });
  });

  it('summarises, for mesh status, who is allowed and whom an intention denied, DSL-only services included', () => {
    const m = model(undefined, [intention('web', 'api', 'deny')]);
    const onlyInDsl: MeshModel = { ...m, services: new Map([['api', svc('api')]]), config: { ...m.config!, policies: new Map([['api', policy('api')], ['web', policy('web')]]) } };
    expect(callersSummary(onlyInDsl, 'api')).toEqual({ allowed: ['api', 'gateway'], dsl: null, deniedByIntentions: ['web'], l7: [] });
  });
});
