import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import {
  freePort,
  httpGet,
  ProcessSupervisor,
  repoRoot,
  startConsul,
  startControlPlane,
  startEnvoy,
  toolBin,
  waitFor,
  type ConsulHandle,
  type ControlPlaneHandle,
  type EnvoyHandle,
} from '@mesh/harness';
import type { MeshDefinition } from '../../xds-server/src/dsl/mesh-definition';
import { envoyStat } from '../support/envoy-admin';
import { health, proxy } from '../support/xds-admin';
import { suiteRunDir } from '../support/run-dir';

/**
 * The files `mesh generate all` writes for the demo mesh (the built CLI), checked by the tools that
 * consume them: compose-go (the Compose Specification's reference loader), systemd-analyze,
 * promtool, `envoy --mode validate`, `consul validate`, and a real Envoy and control plane.
 * Each checker is also shown a broken copy, to prove it can fail.
 */

interface Outcome {
  code: number;
  output: string;
}

function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const root = repoRoot();
const out = mkdtempSync(join(tmpdir(), 'mesh-generate-'));
// The built CLI, as a user runs it: load (with the type check), validate, generate, write.
const cliOutput = execFileSync(process.execPath, [join(root, 'xds-server/dist/cli/main.js'), 'generate', 'all', '--out', out, '--config', join(root, 'mesh.config.ts')], {
  encoding: 'utf8',
});
const demo = (require(join(root, 'mesh.config')) as { default: MeshDefinition }).default;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('mesh generate all', () => {
  it('writes the committed golden files (deploy/examples) byte for byte, and lists each file it wrote', () => {
    const examples = join(root, 'deploy', 'examples');
    const written = filesUnder(out);
    expect(written).toEqual(filesUnder(examples));
    for (const file of written) expect(`${file}: ${readFileSync(join(out, file), 'utf8')}`).toBe(`${file}: ${readFileSync(join(examples, file), 'utf8')}`);
    expect(cliOutput).toContain(`→ ${written.length} files in`);
    for (const file of written) expect(cliOutput).toContain(file);
  });

  it('rejects an unknown kind and a config with errors, naming the field', async () => {
    const cli = join(root, 'xds-server/dist/cli/main.js');
    const unknown = await run(process.execPath, [cli, 'generate', 'kubernetes', '--out', out]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('Allowed choices are compose, systemd, bootstrap, consul, prometheus, grafana, all');
    // Beside the demo, so `@mesh/xds-server` resolves as it does for mesh.config.ts.
    const broken = join(root, `.generate-broken-${process.pid}.config.ts`);
    writeFileSync(broken, readFileSync(join(root, 'mesh.config.ts'), 'utf8').replace("upstreams: ['notification']", "upstreams: ['notifications']"));
    try {
      const result = await run(process.execPath, [cli, 'generate', 'all', '--out', mkdtempSync(join(tmpdir(), 'mesh-generate-broken-')), '--config', broken, '--no-type-check']);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/:\d+:\d+ services\.approval\.upstreams\[0\]: unknown service "notifications" \(did you mean "notification"\?\)/);
    } finally {
      rmSync(broken, { force: true });
    }
  });
});

const dirsUnder = (dir: string) => readdirSync(join(out, dir)).sort();
const nodes = dirsUnder('compose');
const systemdNodes = dirsUnder('systemd');

describe('generated compose files', () => {
  const composeSpec = (dir: string, file = 'compose.yaml') => run(toolBin('compose-spec'), [file], { cwd: dir, env: { MESH_CONFIG: join(root, 'mesh.config.ts') } });

  it.each(nodes)('compose/%s/compose.yaml passes the compose-spec schema and consistency checks', async (node) => {
    const result = await composeSpec(join(out, 'compose', node));
    expect(result).toMatchObject({ code: 0 });
  });

  it('the checker rejects a compose file that breaks the schema', async () => {
    const dir = join(out, 'compose', nodes[0] ?? '');
    writeFileSync(join(dir, 'broken.yaml'), readFileSync(join(dir, 'compose.yaml'), 'utf8').replace('restart: unless-stopped', 'restart: unless-stopped\n    restrat: always'));
    const result = await composeSpec(dir, 'broken.yaml');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('restrat');
  });

  it.each(nodes)('compose/%s pins each service to its node\'s platform and puts every sidecar in its app\'s network namespace', (node) => {
    const compose = parse(readFileSync(join(out, 'compose', node, 'compose.yaml'), 'utf8')) as { services: Record<string, { platform: string; network_mode: string }> };
    const arch = demo.nodes[node]?.arch;
    for (const service of Object.values(compose.services)) expect(service.platform).toBe(`linux/${arch}`);
    const sidecars = Object.entries(compose.services).filter(([name]) => name.endsWith('-envoy'));
    expect(sidecars.length).toBeGreaterThan(0);
    for (const [name, sidecar] of sidecars) expect(sidecar.network_mode).toBe(`service:${name.slice(0, -'-envoy'.length)}`);
  });

  it('every Pi node runs arm64 images', () => {
    const piNodes = nodes.filter((n) => demo.nodes[n]?.arch === 'arm64');
    expect(piNodes).toEqual(['pi-1', 'pi-2']);
    for (const node of piNodes) {
      const text = readFileSync(join(out, 'compose', node, 'compose.yaml'), 'utf8');
      expect(text.match(/platform: /g)?.length).toBe(text.match(/platform: linux\/arm64/g)?.length);
    }
  });
});

/**
 * `systemd-analyze verify` needs the binaries of every Exec*= line and the units they
 * refer to (sysinit.target and friends). The units are verified in a scratch root
 * (--root) that holds this machine's system units, the generated units under
 * /etc/systemd/system, and an executable stub at each /opt/mesh/bin path they run: the
 * real binaries are installed on the Pis, not here. verify reports bad values only as
 * warnings, so any output at all counts as a failure.
 */
function systemdRoot(unitDir: string): { root: string; units: string[] } {
  const scratch = mkdtempSync(join(tmpdir(), 'mesh-systemd-root-'));
  const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));
  if (!systemUnits) throw new Error('no sysinit.target on this machine: install Debian\'s systemd package (npm run setup does)');
  cpSync(systemUnits, join(scratch, 'usr/lib/systemd/system'), { recursive: true, dereference: false });
  const target = join(scratch, 'etc/systemd/system');
  mkdirSync(target, { recursive: true });
  const units = readdirSync(unitDir).sort();
  for (const unit of units) {
    const text = readFileSync(join(unitDir, unit), 'utf8');
    writeFileSync(join(target, unit), text);
    for (const [, program] of text.matchAll(/^Exec\w+=(\S+)/gm)) {
      if (!program?.startsWith('/opt/mesh/bin/')) throw new Error(`${unit} runs ${program}, outside /opt/mesh/bin`);
      const stub = join(scratch, program);
      mkdirSync(dirname(stub), { recursive: true });
      writeFileSync(stub, '#!/bin/sh\nexit 0\n');
      chmodSync(stub, 0o755);
    }
  }
  return { root: scratch, units };
}

describe('generated systemd units', () => {
  const verify = (root: string, units: readonly string[]) => run(toolBin('systemd-analyze'), ['verify', `--root=${root}`, ...units]);

  it.each(systemdNodes)('systemd/%s passes systemd-analyze verify with no warnings', async (node) => {
    const { root: scratch, units } = systemdRoot(join(out, 'systemd', node));
    expect(units).toEqual(expect.arrayContaining(['mesh.target', 'mesh-consul.service', 'mesh-control-plane.service']));
    expect(await verify(scratch, units)).toEqual({ code: 0, output: '' });
  });

  it('units exist for every node, each app with its sidecar', () => {
    expect(systemdNodes).toEqual(['local', 'pi-1', 'pi-2']);
    for (const node of systemdNodes) {
      const units = dirsUnder(join('systemd', node));
      const apps = units.filter((u) => u.endsWith('.service') && !u.endsWith('-envoy.service') && !['mesh-consul.service', 'mesh-control-plane.service'].includes(u));
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) expect(units).toContain(app.replace(/\.service$/, '-envoy.service'));
    }
  });

  it('verify reports a broken unit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-systemd-broken-'));
    const source = join(out, 'systemd', systemdNodes[0] ?? '');
    for (const unit of readdirSync(source)) writeFileSync(join(dir, unit), readFileSync(join(source, unit), 'utf8').replace('Restart=on-failure', 'Restart=sometimes'));
    const { root: scratch, units } = systemdRoot(dir);
    const result = await verify(scratch, units);
    expect(result.output).toContain('Failed to parse service restart specifier');
  });
});

describe('generated Prometheus config', () => {
  const file = join(out, 'prometheus', 'prometheus.yml');

  it('passes promtool check config', async () => {
    const result = await run(toolBin('promtool'), ['check', 'config', file]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain('SUCCESS');
  });

  it('promtool rejects a broken copy', async () => {
    const broken = join(dirname(file), 'broken.yml');
    writeFileSync(broken, readFileSync(file, 'utf8').replace('scrape_interval: 15s', 'scrape_interval: fifteen'));
    expect((await run(toolBin('promtool'), ['check', 'config', broken])).code).not.toBe(0);
  });
});

/**
 * What a generated unit runs before Envoy: `mesh proxy-bootstrap` on the template, with the
 * runtime directory (/run/mesh) moved under `runtimeRoot` and an empty token file (this
 * Consul runs without ACLs). Returns the file Envoy would start on.
 */
async function renderGenerated(file: string, consulAddr: string, runtimeRoot: string): Promise<string> {
  const template = join(runtimeRoot, basename(file));
  writeFileSync(template, readFileSync(join(out, file), 'utf8').split('/run/mesh/').join(`${runtimeRoot}/run/mesh/`));
  const tokenFile = join(runtimeRoot, 'empty.token');
  writeFileSync(tokenFile, '');
  const name = basename(file, '.yaml');
  const rendered = join(runtimeRoot, 'run', 'mesh', name, 'envoy.yaml');
  const caBundle = join(runtimeRoot, 'run', 'mesh', name, 'consul-ca.pem');
  const cli = join(root, 'xds-server/dist/cli/main.js');
  const result = await run(process.execPath, [cli, 'proxy-bootstrap', '--template', template, '--token-file', tokenFile, '--ca-out', caBundle, '--out', rendered, '--consul', consulAddr]);
  expect(result).toMatchObject({ code: 0 });
  return rendered;
}

describe('generated Envoy bootstraps and Consul configs', () => {
  const bootstraps = nodes.flatMap((node) => dirsUnder(join('bootstrap', node)).map((f) => join('bootstrap', node, f)));
  const supervisor = new ProcessSupervisor(suiteRunDir('generate-validate'));
  let consul: ConsulHandle;
  beforeAll(async () => {
    consul = await startConsul(supervisor);
  });
  afterAll(() => supervisor.stopAll());

  it.each(bootstraps)('%s, rendered by mesh proxy-bootstrap as its unit does, passes envoy --mode validate', async (file) => {
    const rendered = await renderGenerated(file, consul.httpAddr, mkdtempSync(join(tmpdir(), 'mesh-proxy-')));
    const result = await run(toolBin('envoy'), ['--mode', 'validate', '-c', rendered, '--disable-hot-restart', '--log-level', 'error']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain('OK');
  });

  it.each(nodes)('consul/%s passes consul validate (agent config and service definitions)', async (node) => {
    const result = await run(toolBin('consul'), ['validate', join(out, 'consul', node)]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toContain('Configuration is valid!');
  });

  it('consul validate rejects a misspelt key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-consul-broken-'));
    const source = join(out, 'consul', nodes[0] ?? '');
    for (const file of readdirSync(source)) writeFileSync(join(dir, file), readFileSync(join(source, file), 'utf8').replace('interval', 'intervall'));
    const result = await run(toolBin('consul'), ['validate', dir]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('intervall');
  });
});

/** The Envoy metric names the mesh overview dashboard queries. */
function envoyMetricNames(): string[] {
  const dashboard = readFileSync(join(out, 'grafana', 'dashboards', 'mesh-overview.json'), 'utf8');
  return [...new Set([...dashboard.matchAll(/\b(envoy_[a-z_]+?)(?:_bucket)?\{/g)].map((m) => m[0].slice(0, -1)))].sort();
}

describe('a generated sidecar bootstrap and service definition against the real control plane', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('generate-artifacts'));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let envoy: EnvoyHandle;
  let metricsPort: number;
  const instance = 'auth-local';

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    // The control plane serves the same mesh.config.ts the files were generated from, over TLS
    // with its Consul certificate, as its generated unit runs it.
    controlPlane = await startControlPlane(supervisor, {
      consulAddr: consul.httpAddr,
      configFile: join(root, 'mesh.config.ts'),
      env: { MESH_LOG_LEVEL: 'debug', MESH_XDS_TLS_SERVICE: 'mesh-control-plane' },
    });
    metricsPort = await freePort();
    // The generated file as its unit renders it, except for ports this machine may have in use.
    const rendered = await renderGenerated(join('bootstrap', 'local', 'auth.yaml'), consul.httpAddr, mkdtempSync(join(tmpdir(), 'mesh-proxy-')));
    const generated = parse(readFileSync(rendered, 'utf8')) as GeneratedBootstrap;
    envoy = await startEnvoy(supervisor, {
      name: `envoy-${instance}`,
      bootstrap: (adminPort) => withPorts(generated, { admin: adminPort, metrics: metricsPort, xds: controlPlane.xdsPort }),
    });
  });
  afterAll(() => supervisor.stopAll());

  it('consul services register accepts the service definition, with the node address and sidecar meta', async () => {
    const file = join(out, 'consul', 'local', 'auth.hcl');
    const result = await run(toolBin('consul'), ['services', 'register', `-http-addr=${consul.httpAddr}`, file]);
    expect(result).toMatchObject({ code: 0 });
    const entries = JSON.parse(await httpGet(`${consul.httpAddr}/v1/catalog/service/auth`)) as Array<{ ServiceID: string; ServiceAddress: string; ServicePort: number; ServiceMeta: Record<string, string> }>;
    expect(entries.map((e) => ({ id: e.ServiceID, address: e.ServiceAddress, port: e.ServicePort, meta: e.ServiceMeta }))).toEqual([
      { id: instance, address: '192.168.50.10', port: 3001, meta: { protocol: 'http', sidecar_port: '21001', version: 'v1' } },
    ]);
  });

  it('the control plane accepts the config the files were generated from, at the version the CLI printed', async () => {
    const version = /\(version (\w+)\)/.exec(cliOutput)?.[1];
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    const status = (await health(controlPlane.adminUrl)) as { status: string; config?: { version: string; rejected?: unknown } };
    expect(status.config).toMatchObject({ version });
    expect(status.config?.rejected).toBeUndefined();
  });

  it('the sidecar connects over ADS with the generated node identity and takes its config', async () => {
    const seen = await waitFor(
      `control plane /info shows ${instance} with CDS and LDS synced`,
      async () => {
        const info = await proxy(controlPlane.adminUrl, instance);
        if (!info) throw new Error(`no proxy ${instance} yet`);
        if (info.types.CDS?.status !== 'SYNCED' || info.types.LDS?.status !== 'SYNCED') throw new Error(JSON.stringify(info.types));
        return info;
      },
      { timeoutMs: 20_000 },
    );
    expect(seen).toMatchObject({ nodeId: instance, service: 'auth' });
    expect(await envoyStat(envoy.adminUrl, 'cluster.xds_cluster.ssl.handshake')).toBeGreaterThan(0);
  });

  it('serves /stats/prometheus, and only that, on its metrics listener, with every Envoy metric the dashboard queries', async () => {
    const url = `http://127.0.0.1:${metricsPort}`;
    const names = envoyMetricNames();
    expect(names).toContain('envoy_cluster_upstream_rq_total');
    // Histograms appear once a request has completed: the first scrape is that request.
    await httpGet(`${url}/stats/prometheus`);
    const text = await httpGet(`${url}/stats/prometheus`);
    const exported = new Set([...text.matchAll(/^(envoy_[a-z_]+)[{ ]/gm)].map((m) => m[1]));
    // Envoy creates this one only for clusters with outlier detection, which come from the DSL.
    const onlyWithOutlierDetection = ['envoy_cluster_outlier_detection_ejections_active'];
    expect(names.filter((n) => !exported.has(n) && !onlyWithOutlierDetection.includes(n))).toEqual([]);
    const configDump = await fetch(`${url}/config_dump`);
    expect(configDump.status).toBe(404);
    expect(basename(envoy.bootstrapFile)).toContain(instance);
  });
});

interface GeneratedBootstrap {
  admin: { address: { socket_address: { port_value: number } } };
  static_resources: {
    listeners: Array<{ address: { socket_address: { port_value: number } } }>;
    clusters: Array<{ name: string; load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string; port_value: number } } } }> }> } }>;
  };
}

function withPorts(bootstrap: GeneratedBootstrap, ports: { admin: number; metrics: number; xds: number }): GeneratedBootstrap {
  const copy = structuredClone(bootstrap);
  copy.admin.address.socket_address.port_value = ports.admin;
  for (const listener of copy.static_resources.listeners) listener.address.socket_address.port_value = ports.metrics;
  for (const cluster of copy.static_resources.clusters) {
    const socket = cluster.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    if (!socket) throw new Error(`cluster ${cluster.name} has no endpoint`);
    if (cluster.name === 'xds_cluster') {
      Object.assign(socket, { address: '127.0.0.1', port_value: ports.xds });
      // The other replicas' addresses are the Pis' LAN: never probe them from this machine.
      cluster.load_assignment.endpoints.length = 1;
    } else socket.port_value = ports.admin;
  }
  return copy;
}
