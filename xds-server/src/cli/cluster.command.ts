import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BRIDGE_NAME, describeExit, isAlive, logTail, ownerFile, readNetworkState, removeSimulatedNetwork, repoRoot, waitFor } from '@mesh/harness';
import { DEFAULT_CLUSTER_SUBNET, defaultStateFile, startSimulatedCluster, type SimulatedCluster } from '../cluster/simulated-cluster';

export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('Run the generated deployment on simulated hosts (one network namespace per DSL node); needs root');
  cluster
    .command('up')
    .description('Bring the cluster up and keep it running until Ctrl-C')
    .option('--config <file>', 'the mesh definition', 'mesh.config.ts')
    .option('--subnet <cidr>', 'addresses for the simulated hosts, inside 198.18.0.0/15', DEFAULT_CLUSTER_SUBNET)
    .option('--run-dir <dir>', 'logs and host roots (default: .run/cluster/<timestamp>)')
    .action((options: { config: string; subnet: string; runDir?: string }) => clusterUp(resolve(options.config), options.subnet, options.runDir));
  cluster
    .command('down')
    .description('Stop a running `mesh cluster up` and remove every namespace, interface and process it left')
    .action(() => clusterDown());
}

function runDirectory(explicit: string | undefined): string {
  if (explicit) return resolve(explicit);
  const base = join(repoRoot(), '.run', 'cluster');
  const dir = join(base, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const latest = join(base, 'latest');
  rmSync(latest, { force: true });
  symlinkSync(dir, latest);
  return dir;
}

async function clusterUp(configFile: string, subnet: string, explicitRunDir: string | undefined): Promise<void> {
  if (!existsSync(configFile)) throw new Error(`--config ${configFile}: no such file. Give the mesh definition, e.g. --config mesh.config.ts.`);
  const runDir = runDirectory(explicitRunDir);
  console.log(`Starting the simulated cluster from ${configFile} (logs in ${runDir}/logs)`);
  const started = Date.now();
  let cluster: SimulatedCluster | undefined;
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: removing the cluster…`);
    await cluster?.stop();
    console.log(`stopped. Logs are in ${runDir}/logs`);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  try {
    cluster = await startSimulatedCluster({ configFile, subnet, runDir, log: (line) => console.log(`▶ ${line} (${((Date.now() - started) / 1000).toFixed(0)}s)`) });
  } catch (error) {
    console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
    // startSimulatedCluster removed what it had started.
    process.exit(1);
  }
  console.log('');
  for (const node of cluster.nodes) console.log(`  ${node.name.padEnd(12)} ${node.address.padEnd(15)} namespace ${node.namespace} (DSL address ${node.dslAddress})`);
  if (cluster.gatewayUrl) console.log(`\n  Gateway      ${cluster.gatewayUrl}/`);
  const control = cluster.deployment.layout.controlNode;
  console.log(`  Temporal     ${cluster.temporalAddress}`);
  console.log(`  Consul       ip netns exec mesh-${control.name} consul members   (each agent's API is on its host's loopback)`);
  console.log(`\nThe cluster is up. (${((Date.now() - started) / 1000).toFixed(0)}s) Press Ctrl-C, or run \`mesh cluster down\`, to remove it.`);
  for (const [name, managed] of cluster.processes) {
    // A unit that dies stays dead, as under systemd once its restart limit is spent; faults are the point here.
    void managed.exited.then((exit) => {
      if (!stopping) console.error(`\n✖ ${name} exited (${describeExit(exit)})\n${logTail(managed.logFile)}`);
    });
  }
}

async function clusterDown(): Promise<void> {
  const stateFile = defaultStateFile();
  // The run may have used another state file (a test's); the owner file on the bridge names it either way.
  const state = readNetworkState(stateFile) ?? readNetworkState(ownerFile(BRIDGE_NAME));
  if (state && state.owner !== process.pid && isAlive(state.owner)) {
    console.log(`stopping \`mesh cluster up\` (pid ${state.owner})…`);
    process.kill(state.owner, 'SIGTERM');
    await waitFor('the cluster to stop', async () => !isAlive(state.owner), { timeoutMs: 60_000, intervalMs: 250 }).catch(() => process.kill(state.owner, 'SIGKILL'));
  }
  const removed = await removeSimulatedNetwork({ namespaces: state?.namespaces ?? [], bridge: state?.bridge ?? BRIDGE_NAME }, stateFile);
  console.log(removed.length > 0 ? `removed: ${removed.join(', ')}` : 'nothing was left to remove');
}
