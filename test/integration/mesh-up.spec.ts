import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { DEMO_APPS, freePorts, httpGet, isAlive, repoRoot, reservePorts, temporalCli, waitFor } from '@mesh/harness';
import { probeInternalPaths, probePublicApi } from '../support/public-api';
import { httpRequest } from '../support/http-request';


/** Processes whose command line runs a binary from this clone's .tools/bin (what `pgrep -f .tools/bin` sees). */
function toolProcessesStartedIn(runDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('.tools/bin') && readlinkSync(`/proc/${pid}/cwd`) === runDir;
      } catch {
        return false;
      }
    });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first port of `count` consecutive free ports (mesh up's port bases give each app base + offset). */
/** `count` consecutive free ports, none of them in `taken` (ports handed out but not bound yet are free to the kernel); adds them to it. */
async function freeBlock(count: number, taken: Set<number>): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((port) => taken.has(port))) continue;
    let free = true;
    for (const port of ports) free &&= await canBind(port);
    if (free) {
      reservePorts(ports);
      for (const port of ports) taken.add(port);
      return base;
    }
  }
}

describe('mesh up', () => {
  let cli: ChildProcess | undefined;
  // A failed assertion must not leave the mesh running: Ctrl-C it, as a user would.
  afterEach(async () => {
    if (!cli || cli.exitCode !== null || cli.signalCode !== null) return;
    const running = cli;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGINT');
    const deadline = setTimeout(() => running.kill('SIGKILL'), 60_000);
    await gone;
    clearTimeout(deadline);
  });

  it('starts every component and the demo platform, prints the URL table, and leaves nothing behind on Ctrl-C', async () => {
    const fixed = await freePorts(12);
    const [consulHttp, consulGrpc, temporal, temporalUi, jaegerUi, otlpGrpc, otlpHttp, prometheus, xds, xdsAdmin, gateway, gatewayAdmin] = fixed;
    const taken = new Set(fixed);
    const [appBase, sidecarBase, outboundBase, envoyAdminBase] = [await freeBlock(6, taken), await freeBlock(6, taken), await freeBlock(6, taken), await freeBlock(6, taken)];
    const runDir = mkdtempSync(join(tmpdir(), 'mesh-up-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'mesh-up-data-'));
    cli = spawn(
      process.execPath,
      [
        join(repoRoot(), 'xds-server/dist/cli/main.js'),
        'up',
        `--run-dir=${runDir}`,
        `--consul-port=${consulHttp}`,
        `--consul-grpc-port=${consulGrpc}`,
        `--temporal-port=${temporal}`,
        `--temporal-ui-port=${temporalUi}`,
        `--jaeger-port=${jaegerUi}`,
        `--otlp-grpc-port=${otlpGrpc}`,
        `--otlp-http-port=${otlpHttp}`,
        `--prometheus-port=${prometheus}`,
        `--xds-port=${xds}`,
        `--xds-admin-port=${xdsAdmin}`,
        `--data-dir=${dataDir}`,
        `--app-port-base=${appBase}`,
        `--sidecar-port-base=${sidecarBase}`,
        `--outbound-port-base=${outboundBase}`,
        `--envoy-admin-port-base=${envoyAdminBase}`,
        `--gateway-port=${gateway}`,
        `--gateway-admin-port=${gatewayAdmin}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    cli.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    cli.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli?.once('exit', (code) => resolve(code)));

    try {
      await waitFor('"The mesh is up"', async () => output.includes('The mesh is up'), {
        timeoutMs: 300_000,
        intervalMs: 250,
        abort: exited.then((code) => {
          throw new Error(`mesh up exited early with ${code}:\n${output}`);
        }),
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- mesh up output ---\n${output}`);
    }

    for (const url of [
      `http://127.0.0.1:${consulHttp}/ui`,
      `http://127.0.0.1:${temporalUi}`,
      `http://127.0.0.1:${jaegerUi}`,
      `http://127.0.0.1:${prometheus}`,
      `http://127.0.0.1:${gateway}/`,
      ...DEMO_APPS.map((_, i) => `http://127.0.0.1:${appBase + i}/health`),
    ]) {
      expect(output).toContain(url);
    }
    // The public API answers on the services' own paths, and nothing internal is routed.
    const gatewayUrl = `http://127.0.0.1:${gateway}`;
    const published = await probePublicApi(gatewayUrl);
    expect(published.filter((p) => p.servedPath !== p.path || p.status === 404)).toEqual([]);
    expect((await probeInternalPaths(gatewayUrl)).filter((p) => p.status !== 404 || p.servedPath !== undefined)).toEqual([]);
    expect(JSON.parse(await httpGet(`http://127.0.0.1:${consulHttp}/v1/status/leader`))).not.toBe('');
    expect(await temporalCli(`127.0.0.1:${temporal}`, ['operator', 'namespace', 'describe', '--namespace', 'default'])).toContain('default');
    expect(JSON.parse(await httpGet(`http://127.0.0.1:${jaegerUi}/api/services`))).toHaveProperty('data');
    expect(await httpGet(`http://127.0.0.1:${prometheus}/-/ready`)).toMatch(/ready/i);
    expect(output).toContain(`http://127.0.0.1:${xdsAdmin}/info`);
    // The console comes first in the table, and reads the systems mesh up started.
    const consoleUrl = `http://127.0.0.1:${xdsAdmin}/ui/`;
    expect(output.indexOf(consoleUrl)).toBeGreaterThan(output.indexOf('Component'));
    expect(output.indexOf(consoleUrl)).toBeLessThan(output.indexOf(`http://127.0.0.1:${gateway}/`));
    expect(await httpGet(consoleUrl)).toContain('<title>Mesh console</title>');
    expect(JSON.parse(await httpGet(`${consoleUrl}api/state`)).sources).toEqual({
      prometheus: `http://127.0.0.1:${prometheus}`,
      jaeger: `http://127.0.0.1:${jaegerUi}`,
      temporal: `127.0.0.1:${temporal}`,
      temporalUi: `http://127.0.0.1:${temporalUi}`,
    });
    expect(JSON.parse(await httpGet(`http://127.0.0.1:${xdsAdmin}/health`))).toMatchObject({ status: 'UP' });
    const targets = await waitFor(
      'every Prometheus target up',
      async () => {
        const body = JSON.parse(await httpGet(`http://127.0.0.1:${prometheus}/api/v1/targets`)) as {
          data: { activeTargets: Array<{ labels: { job: string; instance: string }; health: string }> };
        };
        const jobs = body.data.activeTargets;
        return jobs.length === 18 && jobs.every((t) => t.health === 'up') ? jobs.map((t) => (t.labels.job.startsWith('mesh-') ? `${t.labels.job} ${t.labels.instance}` : t.labels.job)).sort() : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    // The infrastructure, plus the jobs generated from mesh.config.ts on this run's ports: the
    // control plane, every app and every Envoy (each sidecar and the gateway).
    expect(targets).toEqual(
      [
        'consul',
        'jaeger',
        'prometheus',
        'temporal',
        'mesh-control-plane control-plane-local',
        ...DEMO_APPS.map((app) => `mesh-services ${app}-1`),
        ...DEMO_APPS.map((app) => `mesh-envoy ${app}-1`),
        'mesh-envoy gateway-1',
      ].sort(),
    );
    await waitFor('Temporal UI', async () => (await fetch(`http://127.0.0.1:${temporalUi}/`)).ok, { timeoutMs: 30_000 });
    // Traces go to Jaeger: the control plane's own, every proxy's (set over xDS), and the apps'.
    const registered = await httpRequest(`${gatewayUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `mesh-up-${Date.now()}@example.test`, password: 'a long enough password' }),
    });
    expect(registered.status).toBe(201);
    const traced = ['xds-server', 'gateway', 'auth-sidecar', 'auth'];
    await waitFor(
      `Jaeger lists ${traced.join(', ')}`,
      async () => {
        const services = (JSON.parse(await httpGet(`http://127.0.0.1:${jaegerUi}/api/services`)) as { data: string[] | null }).data ?? [];
        if (!traced.every((s) => services.includes(s))) throw new Error(`services: ${services.join(', ')}`);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    const pids = readFileSync(join(runDir, '.supervised-pids'), 'utf8').split('\n').map(Number);
    // Consul, the control plane, Temporal, Jaeger, Prometheus; six apps, each with its Envoy; the gateway Envoy.
    expect(pids).toHaveLength(5 + 2 * DEMO_APPS.length + 1);
    // Every supervised process but the node ones (the control plane and the apps) runs a .tools/bin binary.
    expect(toolProcessesStartedIn(runDir)).toHaveLength(4 + DEMO_APPS.length + 1);

    cli.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped.');
    expect(pids.filter(isAlive)).toEqual([]);
    expect(toolProcessesStartedIn(runDir)).toEqual([]);
  });
});
