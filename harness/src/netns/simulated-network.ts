import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isAlive } from '../process/pid';
import { waitFor } from '../process/wait-for';
import { downCommands, partitionCommand, upCommands, type HostPlan, type SimulatedHost } from './host-plan';
import { ip, ipIfPresent, killNamespaceProcesses, listNamespaces, namespacePids } from './ip-command';

/** Which process owns the network on a bridge, whatever state file it uses. */
export function ownerFile(bridge: string): string {
  return join(tmpdir(), 'mesh-simulated-networks', `${bridge}.json`);
}

/** What a run created, written before the first `ip` call so that a killed run can be cleaned up. */
export interface NetworkState {
  owner: number;
  namespaces: string[];
  bridge: string;
}

export function readNetworkState(stateFile: string): NetworkState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as NetworkState;
  } catch {
    return undefined;
  }
}

/**
 * Removes a simulated network and every process in it: the namespaces of `names` and of a
 * previous run's state file, then the bridge. Idempotent; a missing piece is skipped.
 * Processes are killed first, since a namespace with live processes outlives its name.
 */
export async function removeSimulatedNetwork(names: { namespaces: readonly string[]; bridge: string }, stateFile?: string): Promise<string[]> {
  const previous = stateFile ? readNetworkState(stateFile) : undefined;
  const namespaces = [...new Set([...names.namespaces, ...(previous?.namespaces ?? [])])];
  const existing = new Set(await listNamespaces());
  const removed: string[] = [];
  const present = namespaces.filter((n) => existing.has(n));
  for (const ns of present) {
    await killNamespaceProcesses(ns);
    await waitFor(`processes of ${ns} to exit`, async () => (await namespacePids(ns)).length === 0, { timeoutMs: 10_000 }).catch(() => undefined);
  }
  for (const args of downCommands({ namespaces: present, bridge: names.bridge })) {
    if (await ipIfPresent(args)) removed.push(args[args.length - 1] as string);
  }
  if (previous && previous.bridge !== names.bridge) await ipIfPresent(['link', 'delete', previous.bridge]);
  if (stateFile) rmSync(stateFile, { force: true });
  const owner = readNetworkState(ownerFile(names.bridge));
  if (owner && (owner.owner === process.pid || !isAlive(owner.owner) || stateFile === undefined || owner.owner === previous?.owner)) rmSync(ownerFile(names.bridge), { force: true });
  return removed;
}

/**
 * A running simulated network. Teardown is `remove()`; if this process dies first, a
 * detached guard (network-reaper) kills the hosts' processes and removes the network.
 */
export class SimulatedNetwork {
  private removed = false;

  private constructor(
    readonly plan: HostPlan,
    readonly stateFile: string,
  ) {}

  /** Cleans what a killed run left, builds the network, and starts the guard. */
  static async create(plan: HostPlan, stateFile: string): Promise<SimulatedNetwork> {
    const names = { namespaces: plan.hosts.map((h) => h.namespace), bridge: plan.bridge.name };
    // Namespace names are machine-wide, so a run with another state file (a test's) is refused too.
    for (const state of [readNetworkState(stateFile), readNetworkState(ownerFile(plan.bridge.name))]) {
      if (state && state.owner !== process.pid && isAlive(state.owner)) {
        throw new Error(`a simulated cluster of process ${state.owner} is running on ${state.bridge}; stop it (\`mesh cluster down\`, or end that run) first.`);
      }
    }
    await removeSimulatedNetwork(names, stateFile);
    mkdirSync(dirname(stateFile), { recursive: true });
    const state: NetworkState = { owner: process.pid, ...names, namespaces: [...names.namespaces] };
    writeFileSync(stateFile, JSON.stringify(state));
    mkdirSync(dirname(ownerFile(plan.bridge.name)), { recursive: true });
    writeFileSync(ownerFile(plan.bridge.name), JSON.stringify(state));
    const network = new SimulatedNetwork(plan, stateFile);
    try {
      for (const args of upCommands(plan)) await ip(args);
    } catch (error) {
      await network.remove();
      throw error;
    }
    startGuard(stateFile);
    return network;
  }

  host(node: string): SimulatedHost {
    const host = this.plan.hosts.find((h) => h.node === node);
    if (!host) throw new Error(`no simulated host for node "${node}"; the hosts are ${this.plan.hosts.map((h) => h.node).join(', ')}`);
    return host;
  }

  /** Cuts the node off the bridge (`cut`), or puts it back. Its own loopback keeps working. */
  async partition(node: string, cut: boolean): Promise<void> {
    await ip(partitionCommand(this.host(node), cut));
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await removeSimulatedNetwork({ namespaces: this.plan.hosts.map((h) => h.namespace), bridge: this.plan.bridge.name }, this.stateFile);
  }
}

function startGuard(stateFile: string): void {
  // ../.. is the package root from both src/netns and dist/netns.
  const guard = join(__dirname, '..', '..', 'dist', 'netns', 'network-reaper.js');
  if (!existsSync(guard)) return;
  spawn(process.execPath, [guard, String(process.pid), stateFile], { detached: true, stdio: 'ignore' }).unref();
}


