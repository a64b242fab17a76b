import { addressMap, downCommands, HostPlanError, partitionCommand, planHosts, upCommands } from './host-plan';
import { parseSubnet } from './subnet';

const demoNodes = [
  { name: 'pi-2', address: '192.168.50.12' },
  { name: 'local', address: '192.168.50.10' },
  { name: 'pi-1', address: '192.168.50.11' },
];

describe('planHosts', () => {
  const plan = planHosts(demoNodes, parseSubnet('198.18.0.0/24'));

  it('gives each node a namespace mesh-<node> and an address in the subnet, in name order', () => {
    expect(plan.hosts.map((h) => [h.node, h.namespace, h.address, h.dslAddress])).toEqual([
      ['local', 'mesh-local', '198.18.0.11', '192.168.50.10'],
      ['pi-1', 'mesh-pi-1', '198.18.0.12', '192.168.50.11'],
      ['pi-2', 'mesh-pi-2', '198.18.0.13', '192.168.50.12'],
    ]);
    expect(plan.bridge).toEqual({ name: 'mesh-br0', address: '198.18.0.1' });
    expect(addressMap(plan).get('pi-1')).toBe('198.18.0.12');
  });

  it('follows --subnet', () => {
    const other = planHosts(demoNodes, parseSubnet('198.19.7.0/24'));
    expect(other.hosts.map((h) => h.address)).toEqual(['198.19.7.11', '198.19.7.12', '198.19.7.13']);
    expect(other.bridge.address).toBe('198.19.7.1');
  });

  it('refuses a subnet too small for the nodes', () => {
    expect(() => planHosts(demoNodes, parseSubnet('198.18.0.0/29'))).toThrow(HostPlanError);
    expect(() => planHosts(demoNodes, parseSubnet('198.18.0.0/29'))).toThrow(/shorter prefix/);
  });

  it('keeps interface names within the kernel limit of 15 characters', () => {
    const many = planHosts(
      Array.from({ length: 200 }, (_, n) => ({ name: `node-${n}`, address: `192.168.1.${n}` })),
      parseSubnet('198.18.0.0/16'),
    );
    for (const host of many.hosts) {
      expect(host.bridgePort.length).toBeLessThanOrEqual(15);
      expect(host.peer.length).toBeLessThanOrEqual(15);
    }
  });
});

describe('ip commands', () => {
  const plan = planHosts(demoNodes, parseSubnet('198.18.0.0/24'));
  const up = upCommands(plan).map((c) => c.join(' '));

  it('brings loopback up in every namespace and never adds a route, NAT or uplink', () => {
    for (const host of plan.hosts) expect(up).toContain(`-n ${host.namespace} link set lo up`);
    expect(up.some((c) => /route|default|nat|masquerade|forward/i.test(c))).toBe(false);
    // The bridge has only veths of the simulated hosts as ports.
    const masters = up.filter((c) => c.includes('master'));
    expect(masters).toEqual(plan.hosts.map((h) => `link set ${h.bridgePort} master mesh-br0`));
  });

  it('addresses each host on its own eth0 with the subnet prefix', () => {
    expect(up).toContain('-n mesh-pi-1 addr add 198.18.0.12/24 dev eth0');
    expect(up.indexOf('netns add mesh-pi-1')).toBeLessThan(up.indexOf('-n mesh-pi-1 addr add 198.18.0.12/24 dev eth0'));
  });

  it('tears down namespaces, then the bridge', () => {
    expect(downCommands({ namespaces: ['mesh-a', 'mesh-b'], bridge: 'mesh-br0' }).map((c) => c.join(' '))).toEqual([
      'netns delete mesh-a',
      'netns delete mesh-b',
      'link delete mesh-br0',
    ]);
  });

  it('partitions by taking the bridge port down', () => {
    const host = plan.hosts[1]!;
    expect(partitionCommand(host, true)).toEqual(['link', 'set', 'mesh-v1', 'down']);
    expect(partitionCommand(host, false)).toEqual(['link', 'set', 'mesh-v1', 'up']);
  });
});
