import { testMesh } from './test-mesh';
import { formatValidationIssue, validateMeshDefinition } from './validate-mesh';

// The cases edit a valid mesh in ways the DSL types forbid, as a file that was never type-checked could.
type Editable = any;

function errorsAfter(edit: (mesh: Editable) => void): string[] {
  const mesh: Editable = testMesh();
  edit(mesh);
  return validateMeshDefinition(mesh).issues.map(formatValidationIssue);
}

describe('validateMeshDefinition', () => {
  it('accepts the test mesh and returns it as the definition', () => {
    const result = validateMeshDefinition(testMesh());
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.definition).toEqual(testMesh());
  });

  it('accepts Consul servers and control-plane replicas placed on declared nodes', () => {
    expect(
      errorsAfter((mesh) => {
        mesh.consul = { servers: ['local'] };
        mesh.controlPlane = { nodes: ['local', 'pi-1'] };
      }),
    ).toEqual([]);
  });

  it('lets a segment prefix sit beside a longer sibling, and a method-restricted route before an unrestricted one', () => {
    expect(
      errorsAfter((mesh) =>
        mesh.gateway.routes.push(
          { prefix: '/users', service: 'user' },
          { prefix: '/users-admin', service: 'user' },
          { prefix: '/notes', service: 'user', methods: ['GET'] },
          { prefix: '/notes', service: 'approval' },
        ),
      ),
    ).toEqual([]);
  });

  it.each<[string, (mesh: Editable) => void, string[]]>([
    [
      'an unknown service reference, with a suggestion',
      (mesh) => (mesh.services.user.upstreams[1] = 'approvals'),
      ['services.user.upstreams[1]: unknown service "approvals" (did you mean "approval"?)'],
    ],
    [
      'an unknown service reference in object form, without a near miss',
      (mesh) => (mesh.services.user.upstreams[1] = { service: 'billing', localBindPort: 9103 }),
      ['services.user.upstreams[1].service: unknown service "billing" (declared: "auth", "user", "approval")'],
    ],
    [
      'an unknown node',
      (mesh) => mesh.services.user.nodes.push('locl'),
      ['services.user.nodes[1]: unknown node "locl" (did you mean "local"?)'],
    ],
    [
      'Consul servers on an unknown node, listed twice, and an even count',
      (mesh) => (mesh.consul = { servers: ['local', 'locl', 'local'] }),
      [
        'consul.servers[1]: unknown node "locl" (did you mean "local"?)',
        'consul.servers[2]: node "local" is already listed at [0]; list each node once',
      ],
    ],
    [
      'two Consul servers',
      (mesh) => (mesh.consul = { servers: ['local', 'pi-1'] }),
      ['consul.servers: 2 Consul servers: raft needs a majority, so use 1, 3 or 5 servers (3 survive the loss of one node); two servers stop electing a leader as soon as either is lost'],
    ],
    [
      'a single control-plane replica in a mesh of two nodes',
      (mesh) => (mesh.controlPlane = { nodes: ['pi-1'] }),
      ['controlPlane.nodes: one control-plane replica cannot survive the loss of its node; list at least two nodes (declared: "local", "pi-1"), or leave the field out for one on every node'],
    ],
    [
      'an empty control-plane placement and an unknown placement field',
      (mesh) => {
        mesh.controlPlane = { nodes: [] };
        mesh.consul = { server: ['local'] };
      },
      [
        'consul.server: unknown field "server" (did you mean "servers"?)',
        'controlPlane.nodes: list the nodes that run a control-plane replica, or leave the field out for every node',
      ],
    ],
    [
      'an unknown node for a version',
      (mesh) => (mesh.services.approval.versions.v2.nodes = ['pi-2']),
      ['services.approval.versions.v2.nodes[0]: unknown node "pi-2" (did you mean "pi-1"?)'],
    ],
    [
      'an unknown gateway node and route service',
      (mesh) => {
        mesh.gateway.node = 'edge';
        mesh.gateway.routes[0].service = 'auht';
      },
      [
        'gateway.node: unknown node "edge" (declared: "local", "pi-1")',
        'gateway.routes[0].service: unknown service "auht" (declared: "auth", "user", "approval")',
      ],
    ],
    [
      'an unknown caller',
      (mesh) => (mesh.services.approval.traffic.allowedCallers = ['users']),
      ['services.approval.traffic.allowedCallers[0]: unknown service "users" (did you mean "user"?)'],
    ],
    [
      'an undeclared subset, equally near two declared ones',
      (mesh) => (mesh.services.approval.traffic.split[1].subset = 'v3'),
      ['services.approval.traffic.split[1].subset: unknown subset "v3" (declared: "v1", "v2")'],
    ],
    [
      'a split on a service that declares no subsets',
      (mesh) => (mesh.services.auth.traffic = { split: [{ subset: 'canary', weight: 5 }] }),
      ['services.auth.traffic.split[0].subset: unknown subset "canary" (declare it under services.auth.traffic.subsets)'],
    ],
    [
      'a service listing itself as an upstream',
      (mesh) => mesh.services.auth.upstreams = ['auth'],
      ['services.auth.upstreams[0]: a service cannot be its own upstream: "auth" reaches itself without a sidecar hop'],
    ],
    [
      'an upstream listed twice',
      (mesh) => mesh.services.user.upstreams.push('approval'),
      ['services.user.upstreams[2]: "approval" is already listed at upstreams[1]'],
    ],
    [
      'two sidecars with the same admin port on one node',
      (mesh) => (mesh.services.user.sidecar.adminPort = 19001),
      ['services.user.sidecar.adminPort: port 19001 on node "local" is already used by services.auth.sidecar.adminPort'],
    ],
    [
      'a local bind port that is another service\'s port on the same node',
      (mesh) => (mesh.services.user.upstreams[1].localBindPort = 3001),
      ['services.user.upstreams[1].localBindPort: port 3001 on node "local" is already used by services.auth.port'],
    ],
    [
      'a gateway port taken by a sidecar',
      (mesh) => (mesh.gateway.port = 21001),
      ['gateway.port: port 21001 on node "local" is already used by services.auth.sidecar.port'],
    ],
    [
      'an empty split',
      (mesh) => (mesh.services.approval.traffic.split = []),
      ['services.approval.traffic.split: the split is empty: list at least one { subset, weight }, or leave split out to route to the whole service'],
    ],
    [
      'a zero weight',
      (mesh) => (mesh.services.approval.traffic.split[0].weight = 0),
      ['services.approval.traffic.split[0].weight: expected an integer >= 1, got 0'],
    ],
    [
      'a subset twice in one split',
      (mesh) => (mesh.services.approval.traffic.split[1].subset = 'v1'),
      ['services.approval.traffic.split[1].subset: subset "v1" is already in this split at [0]'],
    ],
    [
      'a bad duration',
      (mesh) => (mesh.defaults.timeouts.request = '15 sec'),
      ['defaults.timeouts.request: invalid duration "15 sec": write a number with a unit ms, s, m or h, e.g. "250ms", "2s", "5m", "1h" (whole milliseconds)'],
    ],
    [
      'a duration below a millisecond',
      (mesh) => (mesh.services.approval.traffic.retries.perTryTimeout = '0.5ms'),
      ['services.approval.traffic.retries.perTryTimeout: invalid duration "0.5ms": write a number with a unit ms, s, m or h, e.g. "250ms", "2s", "5m", "1h" (whole milliseconds)'],
    ],
    [
      'a zero connect timeout',
      (mesh) => (mesh.defaults.timeouts.connect = '0s'),
      ['defaults.timeouts.connect: must be greater than 0 (Envoy rejects a zero connect timeout)'],
    ],
    [
      'a misspelt enum value',
      (mesh) => (mesh.services.auth.protocol = 'htp'),
      ['services.auth.protocol: expected one of "http", "http2", "grpc", "tcp", got "htp" (did you mean "http"?)'],
    ],
    [
      'a misspelt load balancer',
      (mesh) => (mesh.defaults.loadBalancer = 'round-robin'),
      ['defaults.loadBalancer: expected one of "round_robin", "least_request", "random", "ring_hash", "maglev", got "round-robin" (did you mean "round_robin"?)'],
    ],
    [
      'a port out of range',
      (mesh) => (mesh.services.auth.port = 70000),
      ['services.auth.port: expected a port number 1..65535, got 70000'],
    ],
    [
      'a port given as a string',
      (mesh) => (mesh.services.auth.sidecar.port = '21001'),
      ['services.auth.sidecar.port: expected a number, got "21001"'],
    ],
    [
      'a percentage over 100',
      (mesh) => (mesh.services.approval.traffic.fault = { abort: { percent: 150, httpStatus: 503 } }),
      ['services.approval.traffic.fault.abort.percent: expected a percentage 0..100, got 150'],
    ],
    [
      'a fault with neither delay nor abort',
      (mesh) => (mesh.services.approval.traffic.fault = {}),
      ['services.approval.traffic.fault: give a delay, an abort or both'],
    ],
    [
      'a service with neither command nor image',
      (mesh) => delete mesh.services.auth.command,
      ['services.auth: give a command (systemd and local runs) or an image (docker compose), or both'],
    ],
    [
      'a missing required field',
      (mesh) => delete mesh.services.auth.sidecar,
      ['services.auth.sidecar: required field is missing'],
    ],
    [
      'a misspelt field, with a suggestion',
      (mesh) => {
        mesh.services.auth.sidecar.adminPrt = mesh.services.auth.sidecar.adminPort;
        delete mesh.services.auth.sidecar.adminPort;
      },
      ['services.auth.sidecar.adminPort: required field is missing', 'services.auth.sidecar.adminPrt: unknown field "adminPrt" (did you mean "adminPort"?)'],
    ],
    [
      'an unknown field with no near miss',
      (mesh) => (mesh.nodes.local.zone = 'eu'),
      ['nodes.local.zone: unknown field "zone" (known fields: address, arch, labels)'],
    ],
    [
      'two path matches in one route',
      (mesh) => (mesh.services.approval.traffic.routes[0].match.path = { prefix: '/v2/', exact: '/v2' }),
      ['services.approval.traffic.routes[0].match.path: give exactly one of "prefix", "exact" or "regex" (got "prefix" and "exact")'],
    ],
    [
      'a header match without a condition',
      (mesh) => (mesh.services.approval.traffic.routes[0].match.headers = [{ name: 'x-canary' }]),
      ['services.approval.traffic.routes[0].match.headers[0]: give exactly one of "exact", "prefix", "regex" or "present" (got none)'],
    ],
    [
      'an invalid regular expression',
      (mesh) => (mesh.services.approval.traffic.routes[0].match.path = { regex: '/v[0-9' }),
      ['services.approval.traffic.routes[0].match.path.regex: invalid regular expression "/v[0-9"'],
    ],
    [
      'retriable-status-codes without codes',
      (mesh) => (mesh.services.approval.traffic.retries.retryOn = ['retriable-status-codes']),
      ['services.approval.traffic.retries.retryOn: "retriable-status-codes" needs retriableStatusCodes, e.g. retriableStatusCodes: [503]'],
    ],
    [
      'an env value that is not a string',
      (mesh) => (mesh.services.auth.env = { PORT: 3001 }),
      ['services.auth.env.PORT: expected a string, got 3001'],
    ],
    [
      'an upstream that is neither a name nor an object',
      (mesh) => mesh.services.user.upstreams.push(7),
      ['services.user.upstreams[2]: expected a service name or { service, localBindPort }, got 7'],
    ],
    [
      'a misspelt field inside an upstream object',
      (mesh) => (mesh.services.user.upstreams[1] = { service: 'approval', localPort: 9103 }),
      ['services.user.upstreams[1].localPort: unknown field "localPort" (did you mean "localBindPort"?)'],
    ],
    [
      'a service name that is not a DNS label',
      (mesh) => (mesh.services.Billing_Svc = { ...mesh.services.auth, port: 3009, protocol: 'udp', sidecar: { port: 21009, adminPort: 19009 } }),
      [
        'services.Billing_Svc.protocol: expected one of "http", "http2", "grpc", "tcp", got "udp"',
        'services.Billing_Svc: invalid service name "Billing_Svc": use lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      ],
    ],
    [
      'both an http and a tcp health check',
      (mesh) => (mesh.services.auth.health = { http: '/health', tcp: true }),
      ['services.auth.health.tcp: give either http or tcp: true, not both'],
    ],
    [
      'a gateway route that an earlier prefix shadows',
      (mesh) => mesh.gateway.routes.unshift({ prefix: '/', service: 'user' }),
      ['gateway.routes[1].prefix: "/auth/" is never reached: gateway.routes[0] ("/") matches it first; list longer prefixes first'],
    ],
    [
      'a gateway route under an earlier whole-segment prefix',
      (mesh) => mesh.gateway.routes.push({ prefix: '/docs', service: 'user' }, { prefix: '/docs/drafts', service: 'user' }),
      ['gateway.routes[2].prefix: "/docs/drafts" is never reached: gateway.routes[1] ("/docs") matches it first; list longer prefixes first'],
    ],
  ])('rejects %s', (_name, edit, expected) => {
    expect(errorsAfter(edit)).toEqual(expected);
  });

  it('reports schema and reference errors together, every one of them', () => {
    expect(
      errorsAfter((mesh) => {
        mesh.services.user.upstreams[1] = 'approvals';
        mesh.services.auth.port = 0;
        mesh.services.approval.traffic.split[0].subset = 'v11';
        mesh.services.approval.traffic.loadBalancer = 'maglve';
      }),
    ).toEqual([
      'services.auth.port: expected a port number 1..65535, got 0',
      'services.approval.traffic.loadBalancer: expected one of "round_robin", "least_request", "random", "ring_hash", "maglev", got "maglve" (did you mean "maglev"?)',
      'services.user.upstreams[1]: unknown service "approvals" (did you mean "approval"?)',
      'services.approval.traffic.split[0].subset: unknown subset "v11" (did you mean "v1"?)',
    ]);
  });

  it('rejects a value that is not a mesh at all', () => {
    expect(validateMeshDefinition(42).issues.map(formatValidationIssue)).toEqual(['expected an object, got 42']);
    expect(validateMeshDefinition({}).issues.map(formatValidationIssue)).toEqual([
      'name: required field is missing',
      'nodes: required field is missing',
      'services: required field is missing',
    ]);
  });

  it('keeps path segments for mapping issues back to the source', () => {
    const [issue] = validateMeshDefinition({ ...testMesh(), nodes: { ...testMesh().nodes, 'Pi 2': { address: 'x', arch: 'arm64' } } }).issues;
    expect(issue?.segments).toEqual(['nodes', 'Pi 2']);
    expect(issue?.path).toBe('nodes["Pi 2"]');
  });
});
