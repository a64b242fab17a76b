import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  inNamespace,
  intToIp,
  namespaceGet,
  parseSubnet,
  planHosts,
  ProcessSupervisor,
  repoRoot,
  SimulatedNetwork,
  startPostgres,
  temporalCli,
  toolBin,
  waitFor,
  type ManagedProcess,
  type SimulatedHost,
} from '@mesh/harness';
import { loadMeshConfig } from '../dsl/load-mesh-config';
import { PORTS } from '../generate/deploy-conventions';
import { gatewayUrl, simulatedDeployment, type HostProcess, type SimulatedDeployment } from './simulated-deployment';

const POSTGRES_USER = 'mesh';

/** The first /24 of 198.18.0.0/15; `--subnet` picks another part of that range. */
export const DEFAULT_CLUSTER_SUBNET = '198.18.0.0/24';

export interface ClusterOptions {
  configFile: string;
  subnet?: string;
  /** Logs, host roots and data; created if missing. */
  runDir: string;
  /** Where the network's state goes, so that a killed run is cleaned up by the next one. */
  stateFile?: string;
  log?: (line: string) => void;
}

export interface ClusterNode {
  name: string;
  namespace: string;
  address: string;
  /** The address the DSL gives it on real hardware. */
  dslAddress: string;
}

export interface SimulatedCluster {
  nodes: readonly ClusterNode[];
  network: SimulatedNetwork;
  deployment: SimulatedDeployment;
  supervisor: ProcessSupervisor;
  /** Every started unit by process name (`<node>-<unit>`). */
  processes: ReadonlyMap<string, ManagedProcess>;
  gatewayUrl: string | undefined;
  temporalAddress: string;
  runDir: string;
  /** Consul's HTTP API as seen from inside a node (it listens on that node's loopback only). */
  consulGet(node: string, path: string): Promise<string>;
  stop(): Promise<void>;
}

export function defaultStateFile(): string {
  return join(repoRoot(), '.run', 'cluster', 'network.json');
}

/** Polls less often than the supervisor's default: each probe inside a namespace is a short-lived process. */
function throttled<T>(probe: () => Promise<T>, ms = 400): () => Promise<T> {
  return async () => {
    await new Promise((r) => setTimeout(r, ms));
    return probe();
  };
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Runs a mesh definition's generated deployment on simulated hosts: one network namespace
 * per node on an isolated bridge, each unit's ExecStart and Environment run in its node's
 * namespace (systemd does not run here), and, on the control node, the Temporal dev server
 * the units point at. Everything is torn down by `stop()`, and by the network's guard if
 * this process dies first.
 */
export async function startSimulatedCluster(options: ClusterOptions): Promise<SimulatedCluster> {
  const log = options.log ?? (() => undefined);
  const { definition } = await loadMeshConfig(options.configFile);
  const plan = planHosts(
    Object.entries(definition.nodes).map(([name, node]) => ({ name, address: node.address })),
    parseSubnet(options.subnet ?? DEFAULT_CLUSTER_SUBNET),
  );
  const root = repoRoot();
  const postgresPassword = randomBytes(16).toString('hex');
  const hostsDir = join(options.runDir, 'hosts');
  const deployment = simulatedDeployment(definition, {
    addresses: new Map(plan.hosts.map((h) => [h.node, h.address])),
    hostsDir,
    appDir: root,
    // What a Pi's /opt/mesh/app holds: the built repository (its run directories left out).
    appEntries: readdirSync(root).filter((entry) => !['.git', '.run', '.data', 'mesh.config.ts'].includes(entry)),
    configFile: options.configFile,
    bin: { node: process.execPath, envoy: toolBin('envoy'), consul: toolBin('consul') },
    // What an operator's drop-in supplies: one JWT secret that every instance shares, and the database login.
    operatorEnv: { JWT_SECRET: randomBytes(24).toString('hex'), PGUSER: POSTGRES_USER, PGPASSWORD: postgresPassword, LOG_LEVEL: 'info' },
  });
  rmSync(hostsDir, { recursive: true, force: true });
  for (const host of deployment.hosts) {
    for (const dir of host.dirs) mkdirSync(dir, { recursive: true });
    for (const file of host.files) {
      mkdirSync(dirname(file.path), { recursive: true });
      writeFileSync(file.path, file.content);
    }
    for (const link of host.links) {
      mkdirSync(dirname(link.path), { recursive: true });
      symlinkSync(link.target, link.path);
    }
  }

  log(`network: bridge ${plan.bridge.name} ${plan.bridge.address}/${plan.subnet.prefix}, ${plan.hosts.length} hosts`);
  const network = await SimulatedNetwork.create(plan, options.stateFile ?? defaultStateFile());
  const supervisor = new ProcessSupervisor(join(options.runDir, 'logs'));
  const processes = new Map<string, ManagedProcess>();
  const hostOf = (node: string): SimulatedHost => network.host(node);
  const consulGet = (node: string, path: string) => namespaceGet(hostOf(node).namespace, `http://127.0.0.1:${PORTS.consulHttp}${path}`);
  const control = deployment.layout.controlNode;
  const temporalAddress = `${control.address}:${PORTS.temporal}`;

  const stop = async () => {
    await supervisor.stopAll(3000);
    await network.remove();
  };

  const run = async (p: HostProcess, ready: () => Promise<unknown>, readyTimeoutMs = 120_000) => {
    for (const [command, ...args] of p.prepare) {
      const step = inNamespace(hostOf(p.node.name).namespace, command as string, args);
      try {
        await promisify(execFile)(step.command, step.args, { env: { ...process.env, ...p.env }, cwd: p.cwd, timeout: 90_000 });
      } catch (error) {
        const failed = error as { code?: unknown; stderr?: string; stdout?: string };
        throw new Error(`${p.name}: ExecStartPre ${command} failed (${String(failed.code)}): ${(failed.stderr || failed.stdout || String(error)).trim()}`);
      }
    }
    const spec = inNamespace(hostOf(p.node.name).namespace, p.command, p.args);
    processes.set(p.name, await supervisor.start({ name: p.name, ...spec, env: p.env, cwd: p.cwd, ready, readyTimeoutMs }));
  };
  const ofKind = (kind: HostProcess['kind']) => deployment.processes.filter((p) => p.kind === kind);

  try {
    log('Consul agents');
    await Promise.all(ofKind('consul').map((p) => run(p, throttled(() => consulGet(p.node.name, '/v1/agent/self')))));
    await waitFor(
      'a Consul leader, with every node a live member',
      async () => {
        const leader = JSON.parse(await consulGet(control.name, '/v1/status/leader')) as string;
        const members = JSON.parse(await consulGet(control.name, '/v1/agent/members')) as Array<{ Name: string; Status: number }>;
        const alive = members.filter((m) => m.Status === 1).length;
        if (leader === '' || alive < plan.hosts.length) throw new Error(`leader "${leader}", ${alive}/${plan.hosts.length} members alive`);
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );

    log(`Temporal dev server on ${control.name} (${temporalAddress})`);
    const temporal = inNamespace(hostOf(control.name).namespace, toolBin('temporal'), [
      'server',
      'start-dev',
      // All of the namespace's addresses: with --ip set to one, the dev server (CLI 1.9) dials its own internal services on 127.0.0.1 and fails.
      '--ip',
      '0.0.0.0',
      '--port',
      String(PORTS.temporal),
      '--http-port',
      String(PORTS.temporal + 10),
      '--metrics-port',
      String(PORTS.temporal + 20),
      '--headless',
      '--log-level',
      'warn',
      '--namespace',
      'default',
      '--db-filename',
      join(hostsDir, control.name, 'var/lib/mesh/temporal.sqlite'),
    ]);
    processes.set(
      `${control.name}-temporal`,
      await supervisor.start({
        name: `${control.name}-temporal`,
        ...temporal,
        ready: throttled(async () => (await temporalCli(temporalAddress, ['operator', 'namespace', 'describe', '--namespace', 'default'])).includes('default')),
        readyTimeoutMs: 120_000,
      }),
    );

    if (deployment.processes.some((p) => p.env.MESH_STORE === 'postgres')) {
      log(`PostgreSQL on ${control.name} (${control.address}:${PORTS.postgres})`);
      const postgres = await startPostgres(supervisor, {
        name: `${control.name}-postgres`,
        dataDir: join(hostsDir, control.name, 'var/lib/mesh/postgres'),
        host: control.address,
        port: PORTS.postgres,
        user: POSTGRES_USER,
        password: postgresPassword,
        allowedNetworks: [`${intToIp(plan.subnet.network)}/${plan.subnet.prefix}`],
        wrap: (command, args) => inNamespace(hostOf(control.name).namespace, command, args),
      });
      processes.set(`${control.name}-postgres`, postgres.process);
    }

    log('control-plane replicas');
    await Promise.all(
      ofKind('control-plane').map((p) =>
        run(p, throttled(async () => (await fetch(`http://${p.node.address}:${PORTS.controlPlaneAdmin}/health`, { signal: AbortSignal.timeout(2000) })).status === 200)),
      ),
    );

    log('apps');
    await inBatches(ofKind('app'), 4, (p) => run(p, throttled(() => namespaceGet(hostOf(p.node.name).namespace, `http://127.0.0.1:${p.instance?.port}/health`), 700)));

    log('sidecars and the gateway');
    await inBatches(ofKind('envoy'), 5, (p) =>
      run(p, throttled(async () => (await namespaceGet(hostOf(p.node.name).namespace, `http://127.0.0.1:${p.envoyAdminPort}/ready`)).trim() === 'LIVE', 500)),
    );

    const instanceIds = deployment.layout.instances.map((i) => i.id);
    await waitFor(
      'every instance registered and passing its check in Consul',
      async () => {
        const checks = JSON.parse(await consulGet(control.name, '/v1/health/state/any')) as Array<{ ServiceID: string; Status: string }>;
        const failing = instanceIds.filter((id) => {
          const own = checks.filter((c) => c.ServiceID === id);
          return own.length === 0 || own.some((c) => c.Status !== 'passing');
        });
        if (failing.length > 0) throw new Error(`not passing: ${failing.join(', ')}`);
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const gateway = gatewayUrl(deployment.layout);
    if (gateway) {
      await waitFor(
        'the gateway routing to a service',
        async () => {
          const response = await fetch(`${gateway}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(3000) });
          if (!response.headers.has('x-envoy-upstream-service-time')) throw new Error(`HTTP ${response.status} ${await response.text()}`);
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }
    return {
      nodes: plan.hosts.map((h) => ({ name: h.node, namespace: h.namespace, address: h.address, dslAddress: h.dslAddress })),
      network,
      deployment,
      supervisor,
      processes,
      gatewayUrl: gateway,
      temporalAddress,
      runDir: options.runDir,
      consulGet,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
