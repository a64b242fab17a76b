import { join } from 'node:path';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import Table from 'cli-table3';
import { type Command, Option } from 'commander';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_PORT } from '../xds/defaults';
import { parsePort } from './port-option';
import { Listr, PRESET_TIMER } from 'listr2';
import {
  assertPortsFree,
  reservePorts,
  checkLocalMeshPorts,
  startControlPlane,
  DEFAULT_LOCAL_MESH_PORTS,
  describeExit,
  localMeshSteps,
  logTail,
  ProcessSupervisor,
  repoRoot,
  type LocalMesh,
  type LocalMeshPorts,
} from '@mesh/harness';

/** One --*-port option per fixed port of the local mesh. */
const PORT_OPTIONS: Array<[keyof LocalMeshPorts, string, string]> = [
  ['consulHttp', '--consul-port <port>', 'Consul HTTP API and UI'],
  ['consulGrpc', '--consul-grpc-port <port>', 'Consul gRPC (xDS for Consul-bootstrapped Envoys)'],
  ['temporal', '--temporal-port <port>', 'Temporal frontend'],
  ['temporalUi', '--temporal-ui-port <port>', 'Temporal Web UI'],
  ['jaegerUi', '--jaeger-port <port>', 'Jaeger UI and query API'],
  ['otlpGrpc', '--otlp-grpc-port <port>', 'Jaeger OTLP gRPC receiver'],
  ['otlpHttp', '--otlp-http-port <port>', 'Jaeger OTLP HTTP receiver'],
  ['prometheus', '--prometheus-port <port>', 'Prometheus'],
];

export function registerUpCommand(program: Command): void {
  const command = program
    .command('up')
    .description('Bring up the local mesh on embedded defaults and keep it running until Ctrl-C')
    .option('--run-dir <dir>', 'where logs and state go (default: .run/<timestamp>)');
  const portOptions = PORT_OPTIONS.map(([key, flags, purpose]) => {
    const option = new Option(flags, `${purpose} port`).argParser(parsePort).default(DEFAULT_LOCAL_MESH_PORTS[key]);
    command.addOption(option);
    return [key, option.attributeName()] as const;
  });
  command
    .addOption(new Option('--xds-port <port>', 'control plane xDS gRPC port').argParser(parsePort).default(DEFAULT_XDS_PORT))
    .addOption(new Option('--xds-admin-port <port>', 'control plane admin HTTP port').argParser(parsePort).default(DEFAULT_ADMIN_PORT));
  command.action((options: Record<string, unknown>) => {
    const ports = Object.fromEntries(portOptions.map(([key, attribute]) => [key, options[attribute]])) as unknown as LocalMeshPorts;
    const controlPlane = { xds: options.xdsPort as number, admin: options.xdsAdminPort as number };
    return up(ports, controlPlane, options.runDir as string | undefined);
  });
}

function runDirectory(explicit: string | undefined): string {
  if (explicit) return explicit;
  const base = join(repoRoot(), '.run');
  const dir = join(base, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const latest = join(base, 'latest');
  rmSync(latest, { force: true });
  symlinkSync(dir, latest);
  return dir;
}

interface ControlPlanePorts {
  xds: number;
  admin: number;
}

function controlPlaneStep(supervisor: ProcessSupervisor, ports: ControlPlanePorts, mesh: Partial<LocalMesh>) {
  return {
    title: `Control plane (xDS :${ports.xds}, admin :${ports.admin})`,
    task: async () => {
      await startControlPlane(supervisor, { consulAddr: mesh.consul?.httpAddr ?? '', ports });
    },
  };
}

async function up(ports: LocalMeshPorts, controlPlane: ControlPlanePorts, explicitRunDir: string | undefined): Promise<void> {
  await checkLocalMeshPorts(ports);
  await assertPortsFree({ 'xDS gRPC, --xds-port': controlPlane.xds, 'control plane admin, --xds-admin-port': controlPlane.admin });
  reservePorts([controlPlane.xds, controlPlane.admin]);
  const runDir = runDirectory(explicitRunDir);
  const supervisor = new ProcessSupervisor(runDir);

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping ${supervisor.running.length} component(s)…`);
    await supervisor.stopAll();
    console.log(`stopped. Logs are in ${runDir}`);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  console.log(`Starting the local mesh (logs in ${runDir})`);
  const mesh: Partial<LocalMesh> = {};
  const [consulStep, ...rest] = localMeshSteps(supervisor, ports, [
    { job: 'xds-server', target: `127.0.0.1:${controlPlane.admin}` },
  ]).map((step) => ({
    title: step.title,
    task: async () => {
      Object.assign(mesh, { [step.component]: await step.start(mesh) });
    },
  }));
  const tasks = new Listr(
    [consulStep!, controlPlaneStep(supervisor, controlPlane, mesh), ...rest],
    {
      concurrent: false,
      exitOnError: true,
      rendererOptions: { timer: PRESET_TIMER },
      fallbackRendererOptions: { timer: PRESET_TIMER },
      fallbackRendererCondition: !process.stdout.isTTY,
    },
  );
  try {
    await tasks.run();
  } catch {
    // Listr has already printed the failure, with the component's log tail.
    await shutdown('startup failed', 1);
    return;
  }

  printUrls(mesh as LocalMesh, controlPlane);
  console.log('\nThe mesh is up. Press Ctrl-C to stop everything.');

  for (const managed of supervisor.running) {
    void managed.exited.then((exit) => {
      if (stopping) return;
      console.error(`\n✖ ${managed.name} exited unexpectedly (${describeExit(exit)})\n${logTail(managed.logFile)}`);
      void shutdown(`${managed.name} died`, 1);
    });
  }
}

function printUrls(mesh: LocalMesh, controlPlane: ControlPlanePorts): void {
  const table = new Table({ head: ['Component', 'URL', 'Notes'], style: { head: [], border: [] } });
  table.push(
    ['Consul UI / API', `${mesh.consul.httpAddr}/ui`, `CONSUL_HTTP_ADDR=${mesh.consul.httpAddr}`],
    ['Control plane admin', `http://127.0.0.1:${controlPlane.admin}/info`, `xDS (ADS) 127.0.0.1:${controlPlane.xds}; \`mesh status\``],
    ['Temporal UI', mesh.temporal.uiUrl ?? '(headless)', `frontend ${mesh.temporal.address}`],
    ['Jaeger UI / query API', mesh.jaeger.queryUrl, `OTLP gRPC ${mesh.jaeger.otlpGrpcEndpoint}, HTTP ${mesh.jaeger.otlpHttpUrl}`],
    ['Prometheus', mesh.prometheus.url, `targets: ${mesh.prometheus.url}/targets`],
  );
  console.log(`\n${table.toString()}`);
}
