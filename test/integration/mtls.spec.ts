import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  adsBootstrap,
  freePort,
  httpGet,
  ProcessSupervisor,
  repoRoot,
  serviceTokens,
  toolBin,
  startConsul,
  startEnvoy,
  waitFor,
  type ConsulHandle,
  type EnvoyHandle,
} from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { envoyStat } from '../support/envoy-admin';
import { httpRequest, type HttpResult } from '../support/http-request';
import { MeshConfigFile } from '../support/mesh-config-file';
import { suiteRunDir } from '../support/run-dir';
import { viaSidecar } from '../support/traffic';
import { proxies } from '../support/xds-admin';

const run = promisify(execFile);
const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');

/**
 * Strict by default for the whole mesh; `api` lets only `web` call it (and `evil`, with a
 * valid mesh certificate of its own, is refused by RBAC); `legacy` is permissive.
 */
const MESH = `import { defineMesh } from '@mesh/xds-server';

const on = { nodes: ['local'] as const, command: 'echo-server' };

export default defineMesh({
  name: 'mtls',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  defaults: { mtls: 'strict' },
  services: {
    web: { ...on, port: 7001, sidecar: { port: 7101, adminPort: 7201 }, upstreams: ['api', 'legacy'] },
    evil: { ...on, port: 7002, sidecar: { port: 7102, adminPort: 7202 }, upstreams: ['api'] },
    api: { ...on, port: 7003, sidecar: { port: 7103, adminPort: 7203 }, traffic: { allowedCallers: ['web'] } },
    legacy: { ...on, port: 7004, sidecar: { port: 7104, adminPort: 7204 }, traffic: { mtls: 'permissive' } },
  },
});
`;

/** Leaves arrive in well under a second; after a root rotation Consul's agent re-issues them with up to 30 s of jitter. */
const DEADLINE = { timeoutMs: 30_000, intervalMs: 100 };
const ROTATION_DEADLINE = { timeoutMs: 120_000, intervalMs: 250 };

interface EchoAnswer {
  instance: string;
  xfcc: string | null;
}

interface CertDetail {
  serial_number: string;
  subject_alt_names?: Array<{ uri?: string }>;
  expiration_time?: string;
}

interface ActiveSecret {
  name: string;
  version_info?: string;
  secret: { tls_certificate?: { certificate_chain?: { inline_string?: string } }; validation_context?: { trusted_ca?: { inline_string?: string } } };
}

interface HealthJson {
  status: string;
  reasons: string[];
  ca?: { status: string; reason?: string; inUse: boolean; failingWatches: string[]; warnings: Array<{ certificate: string; kind: string }> };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

/** Serials as Envoy prints them (plain hex) and Consul (colon-separated): compared without separators or leading zeros. */
function serial(value: string): string {
  return value.replace(/:/g, '').toLowerCase().replace(/^0+/, '');
}

async function activeSecrets(envoy: EnvoyHandle): Promise<ActiveSecret[]> {
  const dump = JSON.parse(await httpGet(`${envoy.adminUrl}/config_dump?resource=dynamic_active_secrets`)) as { configs: ActiveSecret[] };
  return dump.configs;
}

/** The leaf the proxy holds as `identity`, from its /config_dump (the private key is redacted there). */
async function identityLeaf(envoy: EnvoyHandle): Promise<X509Certificate> {
  const identity = (await activeSecrets(envoy)).find((s) => s.name === 'identity');
  const leaf = certificates(identity?.secret.tls_certificate?.certificate_chain?.inline_string ?? '')[0];
  if (!leaf) throw new Error(`${envoy.name} holds no identity secret yet`);
  return leaf;
}

/** The serials of the certificates the proxy presents, over every TLS context that uses them (admin /certs). */
async function presentedSerials(envoy: EnvoyHandle): Promise<string[]> {
  const certs = JSON.parse(await httpGet(`${envoy.adminUrl}/certs`)) as { certificates: Array<{ cert_chain?: CertDetail[] }> };
  return [...new Set(certs.certificates.flatMap((c) => (c.cert_chain?.[0] ? [serial(c.cert_chain[0].serial_number)] : [])))].sort();
}

/** XFCC `Hash=` is the hex SHA-256 of the peer certificate's DER. */
function certHash(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

function xfccField(xfcc: string | null, key: 'By' | 'Hash' | 'URI'): string | undefined {
  return xfcc?.split(';').find((part) => part.startsWith(`${key}=`))?.slice(key.length + 1);
}

function answer(result: HttpResult): EchoAnswer {
  if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.body}`);
  return JSON.parse(result.body) as EchoAnswer;
}

async function healthOf(adminUrl: string): Promise<HealthJson> {
  return (await (await fetch(`${adminUrl}/health`)).json()) as HealthJson;
}

async function envoyUptime(envoy: EnvoyHandle): Promise<number> {
  return envoyStat(envoy.adminUrl, 'server.uptime');
}

describe('mTLS between sidecars: Connect CA certificates over SDS, real Consul and Envoys', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('mtls'));
  const config = new MeshConfigFile('mtls');
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let trustDomain: string;
  let management: Record<string, string>;
  let tokens: (service: string) => Promise<string>;
  const envoys: Record<'web' | 'evil' | 'api' | 'legacy', EnvoyHandle> = {} as never;
  const outbound: Record<'web' | 'evil', number> = { web: 0, evil: 0 };
  const sidecarPorts: Record<'api' | 'legacy', number> = { api: 0, legacy: 0 };
  const spiffe = (service: string) => `spiffe://${trustDomain}/ns/default/dc/dc1/svc/${service}`;

  async function app(service: 'api' | 'legacy'): Promise<void> {
    const [appPort, sidecarPort] = [await freePort(), await freePort()];
    sidecarPorts[service] = sidecarPort;
    await supervisor.start({ name: `${service}-app`, command: process.execPath, args: [ECHO, `${service}-1`, String(appPort)], ready: () => httpGet(`http://127.0.0.1:${appPort}/health`) });
    await registerService(consul.httpAddr, { id: `${service}-1`, name: service, port: appPort, meta: { sidecar_port: String(sidecarPort) }, token: await tokens(service) });
  }

  async function sidecar(service: keyof typeof envoys, apiType: 'GRPC' | 'DELTA_GRPC', outboundPort: number): Promise<EnvoyHandle> {
    const token = await tokens(service);
    const envoy = await startEnvoy(supervisor, {
      name: `envoy-${service}`,
      bootstrap: (adminPort) =>
        adsBootstrap(
          { nodeId: `${service}-sidecar`, service, xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType, metadata: { outbound_port: outboundPort, service_instance_id: `${service}-1` }, token },
          adminPort,
        ),
    });
    envoys[service] = envoy;
    return envoy;
  }

  beforeAll(async () => {
    config.write(MESH);
    // ACLs on with default deny: each sidecar and registration uses its own service's token.
    consul = await startConsul(supervisor, { acls: true });
    management = { 'x-consul-token': consul.managementToken ?? '' };
    tokens = serviceTokens(consul)!;
    trustDomain = (JSON.parse(await httpGet(`${consul.httpAddr}/v1/connect/ca/roots`, 2000, management)) as { TrustDomain: string }).TrustDomain;
    await app('api');
    await app('legacy');
    const startedAt = Date.now();
    // Ready (/health UP) only once the CA has issued the leaves: a strict mesh is never served plaintext.
    controlPlane = await startControlPlane(supervisor, consul.httpAddr, undefined, { CONSUL_HTTP_TOKEN: consul.managementToken ?? '' }, config.path);
    process.stderr.write(`control plane UP with certificates ${Date.now() - startedAt} ms after start\n`);
    outbound.web = await freePort();
    outbound.evil = await freePort();
    await sidecar('web', 'GRPC', outbound.web);
    await sidecar('evil', 'DELTA_GRPC', outbound.evil);
    await sidecar('api', 'DELTA_GRPC', await freePort());
    await sidecar('legacy', 'GRPC', await freePort());
    await waitFor('web reaches api and legacy through the sidecars', async () => {
      const results = await Promise.all([viaSidecar(outbound.web, 'api'), viaSidecar(outbound.web, 'legacy')]);
      return results.every((r) => r.status === 200) || results.map((r) => `${r.status} ${r.body}`).join(' | ');
    }, DEADLINE);
  });
  afterAll(() => supervisor.stopAll());

  it("(1) shows dynamic active secrets in /config_dump, and the leaf's URI SAN is the service's SPIFFE ID", async () => {
    for (const service of ['web', 'evil', 'api', 'legacy'] as const) {
      const secrets = await activeSecrets(envoys[service]);
      expect(secrets.map((s) => s.name).sort()).toEqual(['identity', 'roots']);
      const leaf = await identityLeaf(envoys[service]);
      expect(leaf.subjectAltName).toBe(`URI:${spiffe(service)}`);
      const roots = certificates(secrets.find((s) => s.name === 'roots')?.secret.validation_context?.trusted_ca?.inline_string ?? '');
      expect(roots).toHaveLength(1);
      expect(leaf.checkIssued(roots[0]!)).toBe(true);
      // The same certificate Consul's agent hands out for the service, and the one Envoy presents.
      const consulLeaf = JSON.parse(await httpGet(`${consul.httpAddr}/v1/agent/connect/ca/leaf/${service}`, 2000, { 'x-consul-token': await tokens(service) })) as { SerialNumber: string };
      expect(serial(leaf.serialNumber)).toBe(serial(consulLeaf.SerialNumber));
      expect(await presentedSerials(envoys[service])).toEqual([serial(leaf.serialNumber)]);
    }
  });

  it('(1) reports each proxy’s certificate serial and expiry in /info and `mesh status`', async () => {
    const rows = await proxies(controlPlane.adminUrl);
    const api = rows.find((p) => p.nodeId === 'api-sidecar');
    const leaf = await identityLeaf(envoys.api);
    expect(serial(api?.certificate?.serialNumber ?? '')).toBe(serial(leaf.serialNumber));
    expect(api?.certificate).toMatchObject({ spiffeId: spiffe('api'), renewable: true, expires: new Date(leaf.validTo).toISOString() });
    expect(api?.types.SDS?.status).toBe('SYNCED');
    const { stdout } = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(stdout).toContain('CERT SERIAL');
    expect(stdout).toContain(api?.certificate?.serialNumber);
    expect(stdout).toMatch(/connect CA: UP, trust domain .*\.consul, 1 roots, 5 leaves/);
    process.stderr.write(`${stdout}\n`);
  });

  it('(2) web calls api over mTLS: TLS handshakes on both sides, and api sees web’s verified certificate', async () => {
    const handshakesBefore = await envoyStat(envoys.web.adminUrl, 'cluster.api.ssl.handshake');
    const echoed = answer(await viaSidecar(outbound.web, 'api', '/hello', 5000));
    expect(echoed.instance).toBe('api-1');
    expect(xfccField(echoed.xfcc, 'URI')).toBe(spiffe('web'));
    expect(xfccField(echoed.xfcc, 'By')).toBe(spiffe('api'));
    expect(xfccField(echoed.xfcc, 'Hash')).toBe(certHash(await identityLeaf(envoys.web)));
    expect(handshakesBefore).toBeGreaterThanOrEqual(1);
    const listenerHandshakes = await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.handshake`);
    expect(listenerHandshakes).toBeGreaterThanOrEqual(1);
    expect(await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.connection_error`)).toBe(0);
    process.stderr.write(`TLS handshakes: web cluster.api ${handshakesBefore}, api listener ${listenerHandshakes}\n`);
  });

  it('(2) permissive legacy takes web over mTLS and a plaintext client without an identity', async () => {
    const overMtls = answer(await viaSidecar(outbound.web, 'legacy'));
    expect(xfccField(overMtls.xfcc, 'URI')).toBe(spiffe('web'));
    expect(await envoyStat(envoys.web.adminUrl, 'cluster.legacy.ssl.handshake')).toBeGreaterThanOrEqual(1);
    // A spoofed header from a plaintext caller is dropped, not passed on.
    const plain = answer(await httpRequest(`http://127.0.0.1:${sidecarPorts.legacy}/plain`, { headers: { 'x-forwarded-client-cert': `URI=${spiffe('api')}` } }));
    expect(plain).toMatchObject({ instance: 'legacy-1', xfcc: null });
  });

  it('(3) refuses a plaintext client on a strict sidecar’s public port', async () => {
    const before = await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.connection_error`);
    await expect(httpRequest(`http://127.0.0.1:${sidecarPorts.api}/hello`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.connection_error`)).toBeGreaterThan(before);
  });

  it('(3) denies evil, which holds a valid mesh certificate but is not an allowed caller, with RBAC 403', async () => {
    const denied = await viaSidecar(outbound.evil, 'api');
    expect([denied.status, denied.body]).toEqual([403, 'RBAC: access denied']);
    // The handshake itself succeeded: evil's certificate is valid, its identity is what RBAC refused.
    expect(await envoyStat(envoys.evil.adminUrl, 'cluster.api.ssl.handshake')).toBeGreaterThanOrEqual(1);
    expect(await envoyStat(envoys.api.adminUrl, 'http.inbound.rbac.denied')).toBeGreaterThanOrEqual(1);
    expect((await identityLeaf(envoys.evil)).subjectAltName).toBe(`URI:${spiffe('evil')}`);
  });

  it('(3) follows Consul intentions live: `consul intention create -deny web legacy` answers 403, and deleting it restores the calls', async () => {
    const consulCli = (...args: string[]) => run(toolBin('consul'), args, { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, CONSUL_HTTP_TOKEN: consul.managementToken ?? '' } });
    expect((await viaSidecar(outbound.web, 'legacy')).status).toBe(200);
    await consulCli('intention', 'create', '-deny', 'web', 'legacy');
    const created = Date.now();
    await waitFor('web is denied by the intention', async () => (await viaSidecar(outbound.web, 'legacy')).status === 403, DEADLINE);
    process.stderr.write(`intention deny in force at the sidecar ${Date.now() - created} ms after \`consul intention create\` returned\n`);
    expect((await viaSidecar(outbound.web, 'legacy')).body).toBe('RBAC: access denied');
    const { stdout } = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(stdout).toMatch(/legacy: allowed: .*; DSL: any mesh caller; denied by intentions: web/);
    // Another caller is unaffected: no intention names evil, and legacy lists no allowedCallers.
    expect((await viaSidecar(outbound.evil, 'legacy')).status).toBe(200);
    await consulCli('intention', 'delete', 'web', 'legacy');
    await waitFor('web reaches legacy again', async () => (await viaSidecar(outbound.web, 'legacy')).status === 200, DEADLINE);
  });

  it('(3) follows L7 intentions: a path denied by a service-intentions entry answers 403, the rest of web\'s calls go through', async () => {
    const consulCli = (...args: string[]) => run(toolBin('consul'), args, { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, CONSUL_HTTP_TOKEN: consul.managementToken ?? '' } });
    const entry = (name: string, body: object) => {
      const file = join(supervisor.runDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(body));
      return file;
    };
    // Consul takes L7 intentions only for a destination whose protocol is HTTP.
    await consulCli('config', 'write', entry('legacy-defaults', { Kind: 'service-defaults', Name: 'legacy', Protocol: 'http' }));
    await consulCli(
      'config',
      'write',
      entry('legacy-intentions', {
        Kind: 'service-intentions',
        Name: 'legacy',
        Sources: [{ Name: 'web', Permissions: [{ Action: 'deny', HTTP: { PathPrefix: '/admin' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
      }),
    );
    await waitFor('web is denied /admin on legacy', async () => (await viaSidecar(outbound.web, 'legacy', '/admin/users')).status === 403, DEADLINE);
    expect((await viaSidecar(outbound.web, 'legacy', '/hello')).status).toBe(200);
    // evil has no intention: the entry does not touch it.
    expect((await viaSidecar(outbound.evil, 'legacy', '/admin/users')).status).toBe(200);
    await consulCli('config', 'delete', '-kind', 'service-intentions', '-name', 'legacy');
    await waitFor('web reaches /admin on legacy again', async () => (await viaSidecar(outbound.web, 'legacy', '/admin/users')).status === 200, DEADLINE);
  });

  it('(4) rotates the CA root: new certificates over SDS without an Envoy restart, and zero errors for steady traffic', async () => {
    // Consul refuses leaf TTLs under an hour, so a short-TTL renewal cannot be observed in test time; 1 h is the minimum.
    const tooShort = await fetch(`${consul.httpAddr}/v1/connect/ca/configuration`, { method: 'PUT', headers: management, body: JSON.stringify({ Provider: 'consul', Config: { LeafCertTTL: '30m' } }) });
    const refusal = `${tooShort.status} ${await tooShort.text()}`;
    expect(refusal).toMatch(/leaf cert TTL must be greater or equal than 1h/);
    process.stderr.write(`Consul on LeafCertTTL 30m: ${refusal.trim()}\n`);

    const watched = ['web', 'api', 'legacy'] as const;
    const before = Object.fromEntries(await Promise.all(watched.map(async (s) => [s, await identityLeaf(envoys[s])] as const)));
    const pids = Object.fromEntries(watched.map((s) => [s, envoys[s].process.pid]));
    const uptimeBefore = Object.fromEntries(await Promise.all(watched.map(async (s) => [s, await envoyUptime(envoys[s])] as const)));
    const sdsUpdatesBefore = await envoyStat(envoys.api.adminUrl, 'sds.identity.update_success');

    // Steady traffic, one request at a time, through both TLS hops, until told to stop.
    const traffic = { requests: 0, errors: [] as string[], stop: false };
    const call = async (target: 'api' | 'legacy', path: string): Promise<EchoAnswer | undefined> => {
      traffic.requests++;
      try {
        const echoed = answer(await viaSidecar(outbound.web, target, path, 5000));
        if (xfccField(echoed.xfcc, 'URI') !== spiffe('web')) throw new Error(`xfcc ${echoed.xfcc}`);
        return echoed;
      } catch (error) {
        traffic.errors.push(`${target}: ${(error as Error).message}`);
        return undefined;
      }
    };
    const loop = (async () => {
      while (!traffic.stop) await call(traffic.requests % 2 === 0 ? 'api' : 'legacy', '/steady');
    })();

    let windowMs: number;
    let after: Record<string, X509Certificate>;
    let newConnections: number;
    let burstWithNewLeaf: number;
    try {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const rotatedAt = Date.now();
      const response = await fetch(`${consul.httpAddr}/v1/connect/ca/configuration`, {
        method: 'PUT',
        headers: management,
        body: JSON.stringify({ Provider: 'consul', Config: { LeafCertTTL: '1h', PrivateKey: privateKey.export({ type: 'sec1', format: 'pem' }) } }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(`${response.status} ${await response.text()}`).toBe('200 ');

      after = await waitFor(
        'every watched Envoy holding and presenting a new leaf',
        async () => {
          const leaves = Object.fromEntries(await Promise.all(watched.map(async (s) => [s, await identityLeaf(envoys[s])] as const)));
          const pending = watched.filter((s) => leaves[s]!.serialNumber === before[s]!.serialNumber);
          if (pending.length > 0) throw new Error(`still the old leaf: ${pending.join(', ')}; ${traffic.requests} requests, ${traffic.errors.length} errors`);
          for (const s of watched) {
            const presented = await presentedSerials(envoys[s]);
            if (presented.join() !== serial(leaves[s]!.serialNumber)) throw new Error(`${s} presents ${presented.join(', ')}`);
          }
          return leaves;
        },
        ROTATION_DEADLINE,
      );
      windowMs = Date.now() - rotatedAt;

      // Envoy keeps established connections (authenticated at their handshake) and uses the new
      // certificates for new ones: a concurrent burst makes web open new connections to api,
      // whose handshakes must succeed with both new leaves.
      const handshakes = await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.handshake`);
      const burst = await Promise.all(Array.from({ length: 8 }, () => call('api', '/burst')));
      newConnections = (await envoyStat(envoys.api.adminUrl, `listener.0.0.0.0_${sidecarPorts.api}.ssl.handshake`)) - handshakes;
      burstWithNewLeaf = burst.filter((b) => b && xfccField(b.xfcc, 'Hash') === certHash(after.web!)).length;
      const settled = traffic.requests + 20;
      await waitFor('20 more steady requests', async () => traffic.requests >= settled || traffic.errors.length > 0, DEADLINE);
    } finally {
      traffic.stop = true;
      await loop;
    }
    process.stderr.write(
      `CA rotation: new leaves held and presented by every Envoy ${windowMs} ms after the PUT; ${traffic.requests} requests during the window, ` +
        `${traffic.errors.length} errors; the burst after it opened ${newConnections} new connections, ${burstWithNewLeaf} of 8 requests carried web's new leaf\n`,
    );
    expect(traffic.errors).toEqual([]);
    expect(traffic.requests).toBeGreaterThan(28);
    expect(newConnections).toBeGreaterThanOrEqual(1);
    expect(burstWithNewLeaf).toBeGreaterThanOrEqual(1);

    for (const service of watched) {
      const leaf = after[service]!;
      expect(leaf.subjectAltName).toBe(`URI:${spiffe(service)}`);
      expect(await presentedSerials(envoys[service])).toEqual([serial(leaf.serialNumber)]);
      // The minimum leaf TTL Consul allows, now in force (Consul back-dates ValidAfter by a minute).
      const lifetimeMin = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 60_000;
      expect(lifetimeMin).toBeGreaterThanOrEqual(59);
      expect(lifetimeMin).toBeLessThanOrEqual(62);
      // Same process, never restarted: the uptime kept counting (the gauge is refreshed at each 5 s stats flush).
      expect(envoys[service].process.pid).toBe(pids[service]);
      expect(() => process.kill(pids[service]!, 0)).not.toThrow();
      expect(await envoyUptime(envoys[service])).toBeGreaterThanOrEqual(uptimeBefore[service]! + Math.floor(windowMs / 1000) - 6);
    }
    // The trust bundle holds the old and the new root while the rotation settles.
    const roots = certificates((await activeSecrets(envoys.api)).find((s) => s.name === 'roots')?.secret.validation_context?.trusted_ca?.inline_string ?? '');
    expect(roots).toHaveLength(2);
    expect(await envoyStat(envoys.api.adminUrl, 'sds.identity.update_success')).toBeGreaterThan(sdsUpdatesBefore);
    const rows = await proxies(controlPlane.adminUrl);
    expect(serial(rows.find((p) => p.nodeId === 'api-sidecar')?.certificate?.serialNumber ?? '')).toBe(serial(after.api!.serialNumber));
  });

  it('(5) with Consul stopped, the certificates keep serving and /health warns about the CA', async () => {
    const leaves = await Promise.all((['web', 'api'] as const).map((s) => identityLeaf(envoys[s])));
    await consul.process.stop(5000);
    const degraded = await waitFor(
      '/health DEGRADED with the Connect CA reason and an expiry warning',
      async () => {
        const h = await healthOf(controlPlane.adminUrl);
        // Each watch notices the outage on its own next request, so wait for the leaf warnings too.
        if (h.status === 'DEGRADED' && h.reasons.some((r) => r.startsWith('Connect CA:')) && h.ca?.warnings.some((w) => w.kind === 'expiring')) return h;
        throw new Error(JSON.stringify(h));
      },
      DEADLINE,
    ).then((h) => h as HealthJson);
    process.stderr.write(`health with Consul down: ${JSON.stringify(degraded.reasons)}\n`);
    expect(degraded.ca).toMatchObject({ status: 'DEGRADED', inUse: true });
    // 1 h leaves that cannot be renewed are inside the warning window at once.
    expect(degraded.ca?.warnings.map((w) => w.kind)).toContain('expiring');
    expect(degraded.reasons.find((r) => r.startsWith('Connect CA:'))).toMatch(/cannot be renewed/);
    const rows = await proxies(controlPlane.adminUrl);
    expect(rows.find((p) => p.nodeId === 'api-sidecar')?.certificate?.renewable).toBe(false);

    let served = 0;
    for (let i = 0; i < 20; i++) {
      const echoed = answer(await viaSidecar(outbound.web, 'api', '/while-consul-is-down'));
      expect(xfccField(echoed.xfcc, 'URI')).toBe(spiffe('web'));
      served++;
    }
    expect(served).toBe(20);
    expect(serial((await identityLeaf(envoys.web)).serialNumber)).toBe(serial(leaves[0]!.serialNumber));
    expect(serial((await identityLeaf(envoys.api)).serialNumber)).toBe(serial(leaves[1]!.serialNumber));
  });
});
