import { allowedCallersFromIntentions, INTENTIONS_PATH, parseIntentions } from './connect-intentions';
import { ConsulResponseError } from './consul-errors';

/** As Consul 1.22 lists these service-intentions config entries: api ← web allow, api ← * deny, * ← evil deny, db ← web L7. */
const CONSUL_ANSWER = [
  { SourceNS: 'default', SourceName: 'web', DestinationNS: 'default', DestinationName: 'api', SourceType: 'consul', Action: 'allow', Precedence: 9 },
  {
    SourceNS: 'default',
    SourceName: 'web',
    DestinationNS: 'default',
    DestinationName: 'db',
    SourceType: 'consul',
    Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/read' } }],
    Precedence: 9,
  },
  { SourceNS: 'default', SourceName: '*', DestinationNS: 'default', DestinationName: 'api', SourceType: 'consul', Action: 'deny', Precedence: 8 },
  { SourceNS: 'default', SourceName: 'evil', DestinationNS: 'default', DestinationName: '*', SourceType: 'consul', Action: 'deny', Precedence: 6 },
  { SourceName: 'web', SourcePeer: 'other-cluster', DestinationName: 'api', SourceType: 'consul', Action: 'allow', Precedence: 9 },
];
const SERVICES = ['api', 'db', 'evil', 'gateway', 'web'];

describe('Consul intentions', () => {
  const intentions = parseIntentions(CONSUL_ANSWER, INTENTIONS_PATH);

  it('reads intentions, highest precedence first, leaving out peered sources', () => {
    expect(intentions.map((i) => `${i.source}->${i.destination}:${i.action}:${i.precedence}`)).toEqual([
      'web->api:allow:9',
      'web->db:l7:9',
      '*->api:deny:8',
      'evil->*:deny:6',
    ]);
    expect(parseIntentions(null, INTENTIONS_PATH)).toEqual([]);
  });

  it('the most precise intention decides for each caller', () => {
    expect(allowedCallersFromIntentions(intentions, 'api', SERVICES)).toEqual({ allowedCallers: ['web'], l7: new Map() });
  });

  it('a wildcard-destination deny restricts every destination, the default allowing the rest', () => {
    expect(allowedCallersFromIntentions(intentions, 'gateway', SERVICES).allowedCallers).toEqual(['api', 'db', 'gateway', 'web']);
  });

  it('no restricting intention and a default of allow: no RBAC filter at all', () => {
    const onlyAllows = parseIntentions([CONSUL_ANSWER[0]], INTENTIONS_PATH);
    expect(allowedCallersFromIntentions(onlyAllows, 'api', SERVICES)).toEqual({ allowedCallers: undefined, l7: new Map() });
    expect(allowedCallersFromIntentions([], 'api', SERVICES).allowedCallers).toBeUndefined();
  });

  it('with a default of deny only intentions let callers in', () => {
    expect(allowedCallersFromIntentions([], 'api', SERVICES, { defaultAllow: false }).allowedCallers).toEqual([]);
    const onlyAllows = parseIntentions([CONSUL_ANSWER[0]], INTENTIONS_PATH);
    expect(allowedCallersFromIntentions(onlyAllows, 'api', SERVICES, { defaultAllow: false }).allowedCallers).toEqual(['web']);
  });

  it('an L7 intention lets its caller in at L4 and hands on its HTTP permissions, in order', () => {
    const decision = allowedCallersFromIntentions(intentions, 'db', SERVICES);
    expect(decision.allowedCallers).toEqual(['api', 'db', 'gateway', 'web']);
    expect([...decision.l7]).toEqual([['web', [{ action: 'allow', path: { kind: 'prefix', value: '/read' }, methods: [], headers: [] }]]]);
  });

  it('reads every HTTP match of a permission: path, methods and headers (inverted too)', () => {
    const [entry] = parseIntentions(
      [
        {
          ...CONSUL_ANSWER[1],
          Permissions: [
            { Action: 'deny', HTTP: { PathRegex: '/admin/.*', Methods: ['POST', 'DELETE'], Header: [{ Name: 'x-debug', Present: true }, { Name: 'x-env', Exact: 'prod', Invert: true }] } },
            { Action: 'allow', HTTP: { PathExact: '/health' } },
          ],
        },
      ],
      INTENTIONS_PATH,
    );
    expect(entry!.permissions).toEqual([
      {
        action: 'deny',
        path: { kind: 'regex', value: '/admin/.*' },
        methods: ['POST', 'DELETE'],
        headers: [
          { name: 'x-debug', invert: false, match: { kind: 'present' } },
          { name: 'x-env', invert: true, match: { kind: 'exact', value: 'prod' } },
        ],
      },
      { action: 'allow', path: { kind: 'exact', value: '/health' }, methods: [], headers: [] },
    ]);
  });

  it('rejects an unknown action, naming the field', () => {
    expect(() => parseIntentions([{ ...CONSUL_ANSWER[0], Action: 'maybe' }], INTENTIONS_PATH)).toThrow(
      new ConsulResponseError(INTENTIONS_PATH, '[0].Action should be "allow" or "deny", got string'),
    );
  });
});
