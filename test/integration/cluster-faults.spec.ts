import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ip, killNamespaceProcesses, listNamespaces, namespacePids, namespaceRequest, repoRoot, waitFor } from '@mesh/harness';
import {
  consulFailureTolerance,
  consulLeader,
  consulMembers,
  envoyHosts,
  faultFigures,
  passingInstances,
  proxyReplicas,
  registrations,
  startSimulatedCluster,
  type SimulatedCluster,
} from '@mesh/xds-server/cluster';
import { gatewayTraffic } from '../support/cluster-traffic';
import { UrlGatewayClient } from '../support/gateway-client';
import { completeProfile, createUser, signUp, status, uploadDocument, waitForDecision, type Account } from '../support/onboarding-journey';
import { suiteRunDir } from '../support/run-dir';

/**
 * The demo mesh as `mesh cluster up` runs it (one network namespace per node, the generated
 * artifacts as they are), through the faults a Pi cluster meets. Behaviour only, with
 * generous deadlines; the timings are `npm run bench -- --only cluster`'s.
 */

// A request may fail only inside this window after a fault (endpoints of a lost node leave EDS once Consul's gossip declares it failed).
const FAILOVER_WINDOW_MS = 20_000;
const minutes = (n: number) => n * 60_000;

async function journey(gateway: UrlGatewayClient, prefix: string): Promise<Account> {
  const account = await signUp(gateway, prefix);
  await createUser(gateway, account);
  await completeProfile(gateway, account);
  await uploadDocument(gateway, account, 'id');
  return account;
}

describe('the demo mesh on simulated hosts (mesh cluster up)', () => {
  const runDir = suiteRunDir('cluster');
  let cluster: SimulatedCluster;
  let gateway: UrlGatewayClient;
  let steady: Account;
  const nodeAddress = (name: string) => cluster.nodes.find((n) => n.name === name)?.address;

  beforeAll(async () => {
    chmodSync(runDir, 0o755);
    cluster = await startSimulatedCluster({ configFile: join(repoRoot(), 'mesh.config.ts'), runDir, stateFile: join(runDir, 'network.json') });
    if (!cluster.gatewayUrl) throw new Error('the demo mesh has a gateway');
    gateway = new UrlGatewayClient(cluster.gatewayUrl);
    steady = await signUp(gateway, 'steady');
    await createUser(gateway, steady);
  }, minutes(5));

  afterAll(async () => {
    await cluster?.stop();
  }, minutes(1));

  it('registers every instance with its own node\'s address, and every Envoy endpoint is one of them', async () => {
    const regs = await registrations(cluster, 'local');
    const ids = cluster.deployment.layout.instances.map((i) => i.id).sort();
    expect(regs.map((r) => r.serviceId).sort()).toEqual(ids);
    for (const r of regs) expect({ id: r.serviceId, address: r.address }).toEqual({ id: r.serviceId, address: nodeAddress(r.node) });
    const byAddressPort = new Set(regs.map((r) => r.address));
    const hosts = await envoyHosts(cluster, 'local', cluster.deployment.layout.gateway?.adminPort ?? 0);
    const services = new Set(regs.map((r) => r.service));
    const meshHosts = hosts.filter((h) => services.has(h.cluster) || [...services].some((s) => h.cluster.startsWith(`${s}.`) || h.cluster.startsWith(`${s}~`)));
    expect(meshHosts.length).toBeGreaterThan(0);
    for (const h of meshHosts) {
      expect(h.address).not.toMatch(/^127\./);
      expect(byAddressPort.has(h.address)).toBe(true);
    }
    // Each service's endpoints are its instances' nodes, no more and no fewer.
    const userHosts = new Set(hosts.filter((h) => h.cluster === 'user').map((h) => h.address));
    expect([...userHosts].sort()).toEqual(regs.filter((r) => r.service === 'user').map((r) => r.address).sort());
  });

  it('passes the onboarding journey through the gateway on its public paths', async () => {
    const account = await journey(gateway, 'cluster-journey');
    const final = await waitForDecision(gateway, account, minutes(2));
    expect(final.approval.decision?.decision).toMatch(/approved|rejected/);
  }, minutes(3));

  it('loses the control-plane replica the gateway is connected to without a failed request; every Envoy reconnects and still gets Consul changes', async () => {
    const replicas = cluster.deployment.layout.controlPlanes.map((n) => n.name);
    const gatewayId = cluster.deployment.layout.gateway?.id ?? '';
    const before = await waitFor(
      'the gateway connected to a replica',
      async () => {
        const seen = await proxyReplicas(cluster, replicas);
        return seen.has(gatewayId) ? seen : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const victim = before.get(gatewayId) as string;
    const moved = [...before].filter(([, node]) => node === victim).map(([id]) => id);
    const traffic = gatewayTraffic(gateway, steady, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    cluster.processes.get(`${victim}-mesh-control-plane`)?.kill();
    const others = replicas.filter((n) => n !== victim);
    const after = await waitFor(
      `every Envoy of the ${victim} replica (${moved.join(', ')}) reconnected to another`,
      async () => {
        const now = await proxyReplicas(cluster, others);
        const missing = moved.filter((id) => !now.has(id));
        if (missing.length > 0) throw new Error(`not reconnected: ${missing.join(', ')}`);
        return now;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(moved.every((id) => others.includes(after.get(id) as string))).toBe(true);

    // A change in Consul made after the loss: auth-pi-1 in maintenance leaves the gateway's endpoints, and comes back.
    const pi1 = cluster.nodes.find((n) => n.name === 'pi-1')!;
    const maintenance = (enable: boolean) => namespaceRequest(pi1.namespace, `http://127.0.0.1:8500/v1/agent/service/maintenance/auth-pi-1?enable=${enable}`, { method: 'PUT' });
    const authHosts = async () => (await envoyHosts(cluster, 'local', cluster.deployment.layout.gateway?.adminPort ?? 0)).filter((h) => h.cluster === 'auth').map((h) => h.address);
    expect((await maintenance(true)).status).toBe(200);
    await waitFor('auth-pi-1 gone from the gateway', async () => !(await authHosts()).includes(pi1.address), { timeoutMs: 30_000, intervalMs: 500 });
    expect((await maintenance(false)).status).toBe(200);
    await waitFor('auth-pi-1 back at the gateway', async () => (await authHosts()).includes(pi1.address), { timeoutMs: 30_000, intervalMs: 500 });

    const samples = await traffic.stop();
    const figures = faultFigures(samples, samples[0]?.at ?? 0, 0);
    expect({ failed: figures.failed, examples: figures.examples }).toEqual({ failed: 0, examples: [] });
    expect(figures.requests).toBeGreaterThan(20);
  }, minutes(4));

  it('serves through a 30 s partition of pi-2, and takes pi-2 back once healed', async () => {
    const pi2 = cluster.nodes.find((n) => n.name === 'pi-2')!;
    const pi2Instances = cluster.deployment.layout.instances.filter((i) => i.node.name === 'pi-2').map((i) => i.id);
    const traffic = gatewayTraffic(gateway, steady, 150_000);
    await new Promise((r) => setTimeout(r, 2000));
    const cutAt = Date.now();
    await cluster.network.partition('pi-2', true);
    try {
      await new Promise((r) => setTimeout(r, 30_000));
      expect(await consulLeader(cluster, 'local')).not.toBe('');
    } finally {
      await cluster.network.partition('pi-2', false);
    }
    const healedAt = Date.now();
    await waitFor(
      'Consul re-converged (every member alive, a leader) and pi-2\'s instances passing again',
      async () => {
        const members = await consulMembers(cluster, 'local');
        const passing = await passingInstances(cluster, 'local');
        const notBack = pi2Instances.filter((id) => !passing.has(id));
        if ([...members.values()].some((alive) => !alive) || (await consulLeader(cluster, 'pi-2')) === '' || notBack.length > 0) {
          throw new Error(`members ${JSON.stringify([...members])}, not passing: ${notBack.join(', ')}`);
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const userOnPi2 = async () => (await envoyHosts(cluster, 'local', cluster.deployment.layout.gateway?.adminPort ?? 0)).find((h) => h.cluster === 'user' && h.address === pi2.address);
    const base = await waitFor('user-pi-2 back among the gateway\'s endpoints', userOnPi2, { timeoutMs: 60_000, intervalMs: 500 });
    await waitFor('user-pi-2 receiving traffic again', async () => ((await userOnPi2())?.requests ?? 0) > base.requests, { timeoutMs: 60_000, intervalMs: 1000 });
    // A quick heal must not end the traffic inside its own window: run on well past it.
    await waitFor('traffic past the heal window', async () => Date.now() > healedAt + FAILOVER_WINDOW_MS + 10_000, { timeoutMs: minutes(2), intervalMs: 1000 });
    const samples = await traffic.stop();
    // Two transitions, each with its window: the cut (pi-2's endpoints leave), and the heal (they come back).
    const duringCut = faultFigures(samples.filter((x) => x.at < healedAt), cutAt, FAILOVER_WINDOW_MS);
    const afterHeal = faultFigures(samples, healedAt, FAILOVER_WINDOW_MS);
    process.stderr.write(`partition: ${JSON.stringify({ duringCut, afterHeal, healedAfterMs: healedAt - cutAt })}\n`);
    expect({ failedAfterWindow: duringCut.failedAfterWindow, examples: duringCut.examples }).toEqual({ failedAfterWindow: 0, examples: expect.any(Array) });
    expect({ failedAfterWindow: afterHeal.failedAfterWindow, examples: afterHeal.examples }).toEqual({ failedAfterWindow: 0, examples: expect.any(Array) });
    expect(samples.filter((x) => x.at > cutAt + FAILOVER_WINDOW_MS && x.at < healedAt).length).toBeGreaterThan(5);
    expect(samples.filter((x) => x.at > healedAt + FAILOVER_WINDOW_MS).length).toBeGreaterThan(10);
  }, minutes(5));

  it('loses every process of pi-1: Consul keeps a leader, the gateway keeps answering, journeys in flight complete and no record is lost', async () => {
    const earlier: Account[] = [];
    for (let n = 0; n < 2; n++) {
      const account = await journey(gateway, `before-loss-${n}`);
      await waitForDecision(gateway, account, minutes(2));
      earlier.push(account);
    }
    // Losing a server is survivable only once every server votes again (after the partition, pi-2 waits out autopilot's stabilization).
    await waitFor('Consul able to lose a server', async () => (await consulFailureTolerance(cluster, 'local')) >= 1, { timeoutMs: minutes(1), intervalMs: 1000 });
    const inFlight = await Promise.all([journey(gateway, 'in-flight-0'), journey(gateway, 'in-flight-1')]);
    const traffic = gatewayTraffic(gateway, steady, 90_000);
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    const killed = await killNamespaceProcesses('mesh-pi-1');
    expect(killed.length).toBeGreaterThan(5);
    // A killed process stays listed until its parent has reaped it.
    await waitFor('every process of pi-1 gone', async () => (await namespacePids('mesh-pi-1')).length === 0, { timeoutMs: 10_000, intervalMs: 100 });

    await waitFor('a Consul leader without pi-1', async () => (await consulLeader(cluster, 'local')) !== '' && (await consulMembers(cluster, 'local')).get('pi-1') === false, { timeoutMs: 60_000, intervalMs: 500 });
    for (const account of inFlight) {
      const final = await waitForDecision(gateway, account, minutes(3));
      expect(final.approval.decision?.userId).toBe(account.userId);
    }
    // Let the traffic run on well past the window.
    await waitFor('traffic past the failover window', async () => Date.now() > killedAt + FAILOVER_WINDOW_MS + 15_000, { timeoutMs: minutes(2), intervalMs: 1000 });
    const samples = await traffic.stop();
    const figures = faultFigures(samples, killedAt, FAILOVER_WINDOW_MS);
    expect({ failedAfterWindow: figures.failedAfterWindow, examples: figures.examples }).toEqual({ failedAfterWindow: 0, examples: expect.any(Array) });
    expect(samples.filter((s) => s.at > killedAt + FAILOVER_WINDOW_MS).length).toBeGreaterThan(20);

    for (const account of earlier) {
      const login = await gateway.call('POST', '/auth/login', { json: { email: account.email, password: account.password } });
      expect(login.status).toBe(200);
      const { json } = await status(gateway, account);
      expect(json).toMatchObject({ userId: account.userId, profileCompleted: true, onboarding: { executionStatus: 'COMPLETED' } });
      expect(json.approval.decision?.userId).toBe(account.userId);
    }
  }, minutes(8));

  it('stopping it leaves no namespace, interface or process behind', async () => {
    const namespaces = cluster.nodes.map((n) => n.namespace);
    await cluster.stop();
    const left = (await listNamespaces()).filter((n) => namespaces.includes(n));
    expect(left).toEqual([]);
    await expect(ip(['link', 'show', cluster.network.plan.bridge.name])).rejects.toThrow(/does not exist/);
    expect(cluster.supervisor.running).toEqual([]);
  }, minutes(1));
});
