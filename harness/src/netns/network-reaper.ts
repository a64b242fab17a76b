/**
 * Guard of a simulated network, run detached by SimulatedNetwork: when the process that
 * built the network dies without removing it (SIGKILL, a crashed test worker), this kills
 * every process in its namespaces and removes them and the bridge. It exits as soon as the
 * state file is gone (normal teardown) or names another owner (a new run took over).
 *
 * Usage: node network-reaper.js <owner-pid> <state-file>
 */
import { existsSync } from 'node:fs';
import { isAlive } from '../process/pid';
import { readNetworkState, removeSimulatedNetwork } from './simulated-network';

const [ownerArg, stateFile] = process.argv.slice(2);
const owner = Number(ownerArg);
if (!Number.isInteger(owner) || !stateFile) {
  console.error('usage: network-reaper <owner-pid> <state-file>');
  process.exit(2);
}

const timer = setInterval(() => {
  const state = existsSync(stateFile as string) ? readNetworkState(stateFile as string) : undefined;
  if (!state || state.owner !== owner) process.exit(0);
  if (isAlive(owner)) return;
  clearInterval(timer);
  void removeSimulatedNetwork({ namespaces: state.namespaces, bridge: state.bridge }, stateFile).finally(() => process.exit(0));
}, 500);
