/**
 * cluster: the demo mesh on simulated Pi hosts (`mesh cluster up`), through the faults of the
 * fault suite, with steady traffic through the gateway: how long requests fail after a node
 * is lost, whether any fails when a control-plane replica goes and how long its Envoys take
 * to reconnect, and how long a healed node takes to serve again. Each fault runs once per
 * round; the figures are per round.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { killNamespaceProcesses, repoRoot, waitFor } from '@mesh/harness';
import { consulFailureTolerance, envoyHosts, faultFigures, passingInstances, proxyReplicas, startSimulatedCluster, steadyTraffic, type SimulatedCluster, type TrafficSample } from '@mesh/xds-server/cluster';
import { describeMachine, machineLine, type MachineInfo } from '../shared/machine';
import { ms } from '../shared/results';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';

export interface ClusterFaultFigure {
  fault: string;
  requests: number;
  failed: number;
  /** Fault → last failed request (node loss, partition). */
  failoverMs: number;
  /** Replica loss: kill → every Envoy it served connected to another replica. */
  reconnectMs?: number;
  /** Partition: heal → the node's instances pass their checks and take traffic again. */
  healMs?: number;
}

export interface ClusterReport {
  scenario: 'cluster';
  machine: MachineInfo;
  startupMs: number;
  faults: ClusterFaultFigure[];
  targets: { failoverMs: number; replicaLossFailed: number };
}

const PARTITION_MS = 30_000;

interface BenchAccount {
  email: string;
  password: string;
  token: string;
}

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

/** A registered user with a profile, so that its status reaches user-service on either Pi. */
async function account(gateway: string): Promise<BenchAccount> {
  const credentials = { email: `bench-${randomUUID()}@example.test`, password: 'correct horse battery staple' };
  const registered = await post(`${gateway}/auth/register`, credentials);
  if (registered.status !== 201) throw new Error(`register: HTTP ${registered.status} ${await registered.text()}`);
  const login = await post(`${gateway}/auth/login`, credentials);
  if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const created = await post(`${gateway}/users`, {}, accessToken);
  if (created.status !== 201) throw new Error(`create user: HTTP ${created.status} ${await created.text()}`);
  return { ...credentials, token: accessToken };
}

/** A login (auth: local, pi-1) and the onboarding status (user: pi-1, pi-2) per sample, every 20 ms at most. */
function logins(gateway: string, user: BenchAccount, maxDurationMs: number) {
  return steadyTraffic(
    async () => {
      const login = await post(`${gateway}/auth/login`, { email: user.email, password: user.password });
      await login.arrayBuffer();
      if (login.status !== 200) throw new Error(`login: HTTP ${login.status}`);
      const status = await fetch(`${gateway}/users/me/status`, { headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(5000) });
      await status.arrayBuffer();
      if (status.status !== 200) throw new Error(`status: HTTP ${status.status}`);
    },
    { intervalMs: 20, maxRequests: 10_000, maxDurationMs },
  );
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replicaLoss(cluster: SimulatedCluster, gateway: string, credentials: BenchAccount): Promise<ClusterFaultFigure> {
  const replicas = cluster.deployment.layout.controlPlanes.map((n) => n.name);
  const gatewayId = cluster.deployment.layout.gateway?.id ?? '';
  const before = await proxyReplicas(cluster, replicas);
  const victim = before.get(gatewayId);
  if (!victim) throw new Error('the gateway is connected to no replica');
  const moved = [...before].filter(([, node]) => node === victim).map(([id]) => id);
  const traffic = logins(gateway, credentials, 60_000);
  await settle(2000);
  const killedAt = Date.now();
  cluster.processes.get(`${victim}-mesh-control-plane`)?.kill();
  const others = replicas.filter((n) => n !== victim);
  const reconnectMs = await waitFor(
    'every Envoy of the lost replica on another',
    async () => {
      const now = await proxyReplicas(cluster, others);
      return moved.every((id) => now.has(id)) ? Date.now() - killedAt : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await settle(3000);
  const samples = await traffic.stop();
  const figures = faultFigures(samples, killedAt, 0);
  return { fault: `control-plane replica on ${victim} killed (${moved.length} Envoys)`, requests: figures.requests, failed: figures.failed, failoverMs: figures.failoverMs, reconnectMs };
}

async function partition(cluster: SimulatedCluster, gateway: string, credentials: BenchAccount, node: string): Promise<ClusterFaultFigure> {
  const instances = cluster.deployment.layout.instances.filter((i) => i.node.name === node);
  const address = cluster.nodes.find((n) => n.name === node)?.address;
  const traffic = logins(gateway, credentials, PARTITION_MS + 120_000);
  await settle(2000);
  const cutAt = Date.now();
  await cluster.network.partition(node, true);
  await settle(PARTITION_MS);
  await cluster.network.partition(node, false);
  const healedAt = Date.now();
  const gatewayAdmin = cluster.deployment.layout.gateway?.adminPort ?? 0;
  const firstHosts = (await envoyHosts(cluster, 'local', gatewayAdmin)).filter((h) => h.address === address);
  const healMs = await waitFor(
    `${node} passing and taking traffic again`,
    async () => {
      const passing = await passingInstances(cluster, 'local');
      if (!instances.every((i) => passing.has(i.id))) return undefined;
      const hosts = (await envoyHosts(cluster, 'local', gatewayAdmin)).filter((h) => h.address === address && h.healthy);
      const served = hosts.some((h) => h.requests > (firstHosts.find((f) => f.cluster === h.cluster && f.port === h.port)?.requests ?? 0));
      return served ? Date.now() - healedAt : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const samples = await traffic.stop();
  const figures = faultFigures(samples, cutAt, 0);
  return { fault: `${node} cut off for ${PARTITION_MS / 1000} s, then healed`, requests: figures.requests, failed: figures.failed, failoverMs: figures.failoverMs, healMs };
}

async function nodeLoss(cluster: SimulatedCluster, gateway: string, credentials: BenchAccount, node: string): Promise<ClusterFaultFigure> {
  // A server back from a partition votes again only after autopilot's stabilization time.
  await waitFor('Consul able to lose a server', async () => (await consulFailureTolerance(cluster, 'local')) >= 1, { timeoutMs: 60_000, intervalMs: 1000 });
  const traffic = logins(gateway, credentials, 45_000);
  await settle(2000);
  const killedAt = Date.now();
  await killNamespaceProcesses(`mesh-${node}`);
  await settle(40_000);
  const samples: TrafficSample[] = await traffic.stop();
  const figures = faultFigures(samples, killedAt, 0);
  return { fault: `every process of ${node} killed`, requests: figures.requests, failed: figures.failed, failoverMs: figures.failoverMs };
}

export async function runCluster(ctx: RunContext): Promise<ClusterReport> {
  const runDir = join(ctx.supervisor.runDir, 'cluster');
  mkdirSync(runDir, { recursive: true });
  // PostgreSQL runs unprivileged and must reach its data dir below the run's mkdtemp (0700) directory.
  for (const dir of [dirname(ctx.supervisor.runDir), ctx.supervisor.runDir, runDir]) chmodSync(dir, 0o755);
  const started = Date.now();
  ctx.log('cluster: starting the demo mesh on simulated hosts');
  const cluster = await startSimulatedCluster({ configFile: join(repoRoot(), 'mesh.config.ts'), runDir, stateFile: join(runDir, 'network.json'), log: (line) => ctx.log(`cluster: ${line}`) });
  const startupMs = Date.now() - started;
  try {
    const gateway = cluster.gatewayUrl;
    if (!gateway) throw new Error('the demo mesh has no gateway');
    const credentials = await account(gateway);
    const faults: ClusterFaultFigure[] = [];
    throwIfInterrupted(ctx.signal);
    ctx.log('cluster: control-plane replica loss');
    faults.push(await replicaLoss(cluster, gateway, credentials));
    throwIfInterrupted(ctx.signal);
    ctx.log('cluster: partition of pi-2');
    faults.push(await partition(cluster, gateway, credentials, 'pi-2'));
    throwIfInterrupted(ctx.signal);
    ctx.log('cluster: loss of pi-1');
    faults.push(await nodeLoss(cluster, gateway, credentials, 'pi-1'));
    return { scenario: 'cluster', machine: describeMachine(), startupMs, faults, targets: { failoverMs: 2000, replicaLossFailed: 0 } };
  } finally {
    await cluster.stop();
  }
}

export function clusterMarkdown(report: ClusterReport): string {
  const rows = report.faults.map((f) => `| ${f.fault} | ${f.requests} | ${f.failed} | ${f.failed > 0 ? ms(f.failoverMs) : '0'} | ${f.reconnectMs === undefined ? '' : ms(f.reconnectMs)} | ${f.healMs === undefined ? '' : ms(f.healMs)} |`);
  return [
    '## cluster — the demo mesh on simulated Pi hosts',
    '',
    `${machineLine(report.machine)}; up in ${(report.startupMs / 1000).toFixed(0)} s. A login and an onboarding status through the gateway, every 20 ms at most, during each fault.`,
    '',
    '| fault | requests | failed | failover ms (fault → last failure) | reconnect ms | heal → serving ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Targets: failover ≤ ${report.targets.failoverMs} ms after node loss; ${report.targets.replicaLossFailed} failed requests on replica loss; 0 journeys lost (asserted by test/integration/cluster-faults.spec.ts).`,
    '',
  ].join('\n');
}
