import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listNamespaces, namespacePids, parseSubnet, planHosts, ProcessSupervisor, SimulatedNetwork, waitFor, inNamespace, namespaceRequest, ip } from '@mesh/harness';
import { suiteRunDir } from '../support/run-dir';

const exec = promisify(execFile);

// Test-only node names, so this suite never touches a cluster that `mesh cluster up` runs.
const nodes = [
  { name: 'nettest-a', address: '192.168.50.10' },
  { name: 'nettest-b', address: '192.168.50.11' },
];
const subnet = parseSubnet('198.19.250.0/24');

const httpServer = (port: number) =>
  `require('node:http').createServer((q, s) => s.end('hello from ' + require('node:os').hostname())).listen(${port}, '0.0.0.0')`;

describe('simulated hosts: network namespaces on an isolated bridge', () => {
  const runDir = suiteRunDir('simulated-network');
  const stateFile = join(runDir, 'network.json');
  const plan = planHosts(nodes, subnet, 'mtn-');
  let network: SimulatedNetwork;
  const supervisor = new ProcessSupervisor(runDir);

  beforeAll(async () => {
    network = await SimulatedNetwork.create(plan, stateFile);
  });
  afterAll(async () => {
    await supervisor.stopAll();
    await network?.remove();
  });

  it('creates mesh-<node> namespaces with loopback up, their address, and no default route', async () => {
    const namespaces = await listNamespaces();
    expect(namespaces).toEqual(expect.arrayContaining(['mesh-nettest-a', 'mesh-nettest-b']));
    for (const host of plan.hosts) {
      const addresses = await ip(['-n', host.namespace, '-4', 'addr', 'show']);
      expect(addresses).toContain(`inet ${host.address}/24`);
      expect(addresses).toMatch(/lo: <[^>]*\bUP\b/);
      const routes = await ip(['-n', host.namespace, 'route', 'show']);
      expect(routes).not.toMatch(/default/);
      // A route lookup for an outside address fails before any packet is sent.
      await expect(ip(['-n', host.namespace, 'route', 'get', '192.168.50.1'])).rejects.toThrow(/unreachable/i);
    }
  });

  it('lets the hosts and this machine reach each other over the bridge, and a partition cuts one off until healed', async () => {
    const [a, b] = plan.hosts;
    const serve = inNamespace(b!.namespace, process.execPath, ['-e', httpServer(4080)]);
    await supervisor.start({
      name: 'server-b',
      ...serve,
      ready: () => namespaceRequest(a!.namespace, `http://${b!.address}:4080/`).then((r) => r.status === 200),
    });
    expect((await namespaceRequest(a!.namespace, `http://${b!.address}:4080/`)).body).toMatch(/^hello from/);
    // This machine reaches the host through the bridge's address.
    const { stdout } = await exec('curl', ['-sS', '--max-time', '3', `http://${b!.address}:4080/`]);
    expect(stdout).toMatch(/^hello from/);

    await network.partition(b!.node, true);
    await expect(namespaceRequest(a!.namespace, `http://${b!.address}:4080/`, { timeoutMs: 1500 })).rejects.toThrow();
    // The cut-off host still reaches itself.
    expect((await namespaceRequest(b!.namespace, `http://${b!.address}:4080/`)).status).toBe(200);
    await network.partition(b!.node, false);
    await waitFor('host b reachable again after healing', async () => (await namespaceRequest(a!.namespace, `http://${b!.address}:4080/`, { timeoutMs: 1500 })).status === 200, {
      timeoutMs: 15_000,
    });
  });

  it('a killed run is cleaned up: its guard removes namespaces and processes, and the next create starts clean', async () => {
    const orphanState = join(runDir, 'orphan.json');
    const orphanPlan = planHosts([{ name: 'nettest-orphan', address: '192.168.50.20' }], parseSubnet('198.19.251.0/24'), 'mto-');
    // A separate process builds a network, starts a process in it, and is then SIGKILLed.
    const script = `
      const h = require(${JSON.stringify(require.resolve('@mesh/harness'))});
      h.SimulatedNetwork.create(${JSON.stringify(orphanPlan)}, ${JSON.stringify(orphanState)}).then(() => {
        require('node:child_process').spawn('ip', ['netns', 'exec', 'mesh-nettest-orphan', 'sleep', '600'], { detached: true, stdio: 'ignore' }).unref();
        console.log('ready');
      });
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    await waitFor('the orphan process in its namespace', async () => (await namespacePids('mesh-nettest-orphan')).length > 0, { timeoutMs: 10_000 });
    child.kill('SIGKILL');
    await waitFor('the guard to remove the killed run\'s namespace', async () => !(await listNamespaces()).includes('mesh-nettest-orphan'), { timeoutMs: 30_000 });
    await expect(ip(['link', 'show', 'mto-br0'])).rejects.toThrow(/does not exist/);
    // The other run's network is untouched.
    await expect(ip(['link', 'show', plan.bridge.name])).resolves.toContain(plan.bridge.name);
  });
});
