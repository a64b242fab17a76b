import { formatSubnet, hostCount, intToIp, type Subnet } from './subnet';

/** Namespace names, bridge and veths of a simulated cluster; one cluster per machine. */
export const NAMESPACE_PREFIX = 'mesh-';
/** Prefix of the bridge and veth names; runs with different prefixes can coexist. */
export const DEFAULT_LINK_PREFIX = 'mesh-';
export const BRIDGE_NAME = `${DEFAULT_LINK_PREFIX}br0`;
/** The namespace side of each veth is renamed to this inside its namespace. */
export const HOST_INTERFACE = 'eth0';
/** The bridge takes the subnet's first host address; hosts follow from this offset. */
const FIRST_HOST_OFFSET = 11;

export class HostPlanError extends Error {
  override readonly name = 'HostPlanError';
}

export interface SimulatedHost {
  /** The DSL node name. */
  node: string;
  /** `mesh-<node>`. */
  namespace: string;
  /** The address the DSL gives the node (what a real deployment uses). */
  dslAddress: string;
  /** The address it has in the simulation. */
  address: string;
  /** The veth end left on the bridge, `mesh-v<n>`; taking it down cuts the host off. */
  bridgePort: string;
  /** The other end before it moves into the namespace, `mesh-p<n>`. */
  peer: string;
}

export interface HostPlan {
  subnet: Subnet;
  bridge: { name: string; address: string };
  hosts: readonly SimulatedHost[];
}

export interface PlannedNode {
  name: string;
  address: string;
}

/**
 * Which simulated host each DSL node becomes. Nodes are taken in name order, so the same
 * DSL and subnet always give the same addresses; the DSL's own addresses are only recorded,
 * since they may be loopback or a LAN that this machine must never send to.
 */
export function planHosts(nodes: readonly PlannedNode[], subnet: Subnet, linkPrefix: string = DEFAULT_LINK_PREFIX): HostPlan {
  if (!/^[a-z][a-z0-9-]{0,7}$/.test(linkPrefix)) throw new HostPlanError(`link prefix "${linkPrefix}": use 1 to 8 lower-case letters, digits or dashes, starting with a letter.`);
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const needed = FIRST_HOST_OFFSET + sorted.length;
  if (hostCount(subnet) < needed) {
    throw new HostPlanError(`subnet ${formatSubnet(subnet)} has room for ${hostCount(subnet)} hosts, but ${sorted.length} nodes need offsets up to ${needed}: use a shorter prefix (e.g. /24).`);
  }
  const namespaces = new Set<string>();
  const hosts = sorted.map((node, index): SimulatedHost => {
    const namespace = `${NAMESPACE_PREFIX}${node.name}`;
    if (namespace.length > 63) throw new HostPlanError(`node "${node.name}": the namespace name ${namespace} is longer than 63 characters; shorten the node name.`);
    if (namespaces.has(namespace)) throw new HostPlanError(`node "${node.name}" is declared twice.`);
    namespaces.add(namespace);
    return {
      node: node.name,
      namespace,
      dslAddress: node.address,
      address: intToIp(subnet.network + FIRST_HOST_OFFSET + index),
      bridgePort: `${linkPrefix}v${index}`,
      peer: `${linkPrefix}p${index}`,
    };
  });
  return { subnet, bridge: { name: `${linkPrefix}br0`, address: intToIp(subnet.network + 1) }, hosts };
}

/** Node name → simulated address, for rewriting a mesh definition. */
export function addressMap(plan: HostPlan): ReadonlyMap<string, string> {
  return new Map(plan.hosts.map((h) => [h.node, h.address]));
}

export type IpCommand = readonly string[];

/**
 * The `ip` invocations that build the network, in order. The bridge has an address so
 * that this machine (the harness and the tests) can reach the hosts, but nothing routes
 * or NATs beyond it, and no host gets a default route: the only reachable addresses from
 * inside are loopback and the subnet itself.
 */
export function upCommands(plan: HostPlan): IpCommand[] {
  const prefix = String(plan.subnet.prefix);
  const commands: IpCommand[] = [
    ['link', 'add', plan.bridge.name, 'type', 'bridge'],
    ['addr', 'add', `${plan.bridge.address}/${prefix}`, 'dev', plan.bridge.name],
    ['link', 'set', plan.bridge.name, 'up'],
  ];
  for (const host of plan.hosts) {
    const inside = (...args: string[]): IpCommand => ['-n', host.namespace, ...args];
    commands.push(
      ['netns', 'add', host.namespace],
      inside('link', 'set', 'lo', 'up'),
      ['link', 'add', host.bridgePort, 'type', 'veth', 'peer', 'name', host.peer],
      ['link', 'set', host.peer, 'netns', host.namespace],
      inside('link', 'set', host.peer, 'name', HOST_INTERFACE),
      inside('addr', 'add', `${host.address}/${prefix}`, 'dev', HOST_INTERFACE),
      inside('link', 'set', HOST_INTERFACE, 'up'),
      ['link', 'set', host.bridgePort, 'master', plan.bridge.name],
      ['link', 'set', host.bridgePort, 'up'],
    );
  }
  return commands;
}

/** What teardown removes; each may already be gone. Deleting a namespace deletes its veth pair. */
export function downCommands(names: { namespaces: readonly string[]; bridge: string }): IpCommand[] {
  return [...names.namespaces.map((ns): IpCommand => ['netns', 'delete', ns]), ['link', 'delete', names.bridge]];
}

/** Cutting a host off is taking its bridge port down; healing is bringing it up. */
export function partitionCommand(host: SimulatedHost, cut: boolean): IpCommand {
  return ['link', 'set', host.bridgePort, cut ? 'down' : 'up'];
}
