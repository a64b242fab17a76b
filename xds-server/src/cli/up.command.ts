import { join, relative, resolve } from 'node:path';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import Table from 'cli-table3';
import { type Command, Option } from 'commander';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_PORT } from '../xds/defaults';
import { parsePort } from './port-option';
import { Listr, PRESET_TIMER } from 'listr2';
import {
  assertPortsFree,
  buildDemoPlatform,
  checkDemoPlatformPorts,
  DEFAULT_DEMO_PLATFORM_PORTS,
  DEMO_APPS,
  DEMO_PUBLIC_API,
  demoAppPorts,
  demoPlatformSteps,
  reservePorts,
  checkLocalMeshPorts,
  startControlPlane,
  DEFAULT_LOCAL_MESH_PORTS,
  describeExit,
  localMeshSteps,
  logTail,
  ProcessSupervisor,
  repoRoot,
  serviceTokens,
  type ConsulHandle,
  type DemoPlatform,
  type DemoPlatformPorts,
  type LocalMesh,
  type LocalMeshPorts,
} from '@mesh/harness';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { loadMeshConfig } from '../dsl/load-mesh-config';
import { localScrapeTargets, meshScrapeJobs, type LocalMeshRun } from '../generate/prometheus.generator';

/** One --*-port option per fixed port of the local mesh. */
const PORT_OPTIONS: Array<[keyof LocalMeshPorts, string, string]> = [
  ['consulHttp', '--consul-port <port>', 'Consul HTTP API and UI'],
  ['consulGrpc', '--consul-grpc-port <port>', 'Consul gRPC (xDS for Consul-bootstrapped Envoys)'],
  ['temporal', '--temporal-port <port>', 'Temporal frontend'],
  ['temporalUi', '--temporal-ui-port <port>', 'Temporal Web UI'],
  ['jaegerUi', '--jaeger-port <port>', 'Jaeger query API'],
  ['otlpGrpc', '--otlp-grpc-port <port>', 'Jaeger OTLP gRPC receiver'],
  ['otlpHttp', '--otlp-http-port <port>', 'Jaeger OTLP HTTP receiver'],
  ['prometheus', '--prometheus-port <port>', 'Prometheus'],
];

/** The demo platform's port options: one base per block (each app at a fixed offset), plus the gateway's. */
const PLATFORM_PORT_OPTIONS: Array<[keyof DemoPlatformPorts, string, string]> = [
  ['appBase', '--app-port-base <port>', 'first app HTTP port (auth; then user, document, approval, notification, workflows)'],
  ['sidecarBase', '--sidecar-port-base <port>', 'first sidecar public port, same order'],
  ['outboundBase', '--outbound-port-base <port>', 'first sidecar outbound listener port, same order'],
  ['envoyAdminBase', '--envoy-admin-port-base <port>', 'first sidecar admin port, same order'],
  ['gateway', '--gateway-port <port>', 'gateway (public HTTP) port'],
  ['gatewayAdmin', '--gateway-admin-port <port>', 'gateway Envoy admin port'],
];

export function registerUpCommand(program: Command): void {
  const command = program
    .command('up')
    .description('Bring up the local mesh (infrastructure, control plane, the demo services with their sidecars, the gateway) and keep it running until Ctrl-C')
    .option('--run-dir <dir>', 'where logs go (default: .run/<timestamp>)')
    .option('--data-dir <dir>', "where the services' stores and Temporal's history live, kept across runs (default: .run/data)")
    .option('--no-services', 'start only the infrastructure and the control plane')
    .option('--config <file>', 'mesh.config.ts for the control plane (default: mesh.config.ts in the repository, when there is one)');
  const portOptions = PORT_OPTIONS.map(([key, flags, purpose]) => {
    const option = new Option(flags, `${purpose} port`).argParser(parsePort).default(DEFAULT_LOCAL_MESH_PORTS[key]);
    command.addOption(option);
    return [key, option.attributeName()] as const;
  });
  const platformPortOptions = PLATFORM_PORT_OPTIONS.map(([key, flags, purpose]) => {
    const option = new Option(flags, purpose).argParser(parsePort).default(DEFAULT_DEMO_PLATFORM_PORTS[key]);
    command.addOption(option);
    return [key, option.attributeName()] as const;
  });
  command
    .addOption(new Option('--xds-port <port>', 'control plane xDS gRPC port').argParser(parsePort).default(DEFAULT_XDS_PORT))
    .addOption(new Option('--xds-admin-port <port>', 'control plane admin HTTP port').argParser(parsePort).default(DEFAULT_ADMIN_PORT));
  command.action((options: Record<string, unknown>) => {
    const ports = Object.fromEntries(portOptions.map(([key, attribute]) => [key, options[attribute]])) as unknown as LocalMeshPorts;
    const platformPorts = Object.fromEntries(platformPortOptions.map(([key, attribute]) => [key, options[attribute]])) as unknown as DemoPlatformPorts;
    const controlPlane = { xds: options.xdsPort as number, admin: options.xdsAdminPort as number };
    return up({
      ports,
      controlPlane,
      platformPorts: options.services === false ? undefined : platformPorts,
      runDir: options.runDir as string | undefined,
      configFile: meshConfigFile(options.config as string | undefined),
      dataDir: options.dataDir ? resolve(options.dataDir as string) : join(repoRoot(), '.run', 'data'),
    });
  });
}

interface UpOptions {
  ports: LocalMeshPorts;
  controlPlane: ControlPlanePorts;
  /** Undefined with --no-services. */
  platformPorts: DemoPlatformPorts | undefined;
  runDir: string | undefined;
  /** The DSL file the control plane loads and watches, if any. */
  configFile: string | undefined;
  dataDir: string;
}

function meshConfigFile(explicit: string | undefined): string | undefined {
  if (explicit) return resolve(explicit);
  const demo = join(repoRoot(), 'mesh.config.ts');
  return existsSync(demo) ? demo : undefined;
}

/** What `mesh up` runs, on the ports it gives each part (the demo apps are instance 1 of each). */
function localRun(controlPlane: ControlPlanePorts, ports: DemoPlatformPorts | undefined): LocalMeshRun {
  const at = (port: number) => `127.0.0.1:${port}`;
  if (!ports) return { controlPlaneAdmin: at(controlPlane.admin), instances: [] };
  return {
    controlPlaneAdmin: at(controlPlane.admin),
    instances: DEMO_APPS.map((app) => ({ service: app, id: `${app}-1`, app: at(demoAppPorts(ports, app).app), envoyAdmin: at(demoAppPorts(ports, app).envoyAdmin) })),
    gateway: { id: 'gateway-1', envoyAdmin: at(ports.gatewayAdmin) },
  };
}

/** The DSL the control plane serves, for the scrape config's labels; none without a config file. */
async function meshDefinition(configFile: string | undefined): Promise<MeshDefinition | undefined> {
  return configFile ? (await loadMeshConfig(configFile)).definition : undefined;
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

/**
 * The control plane sends its own spans to Jaeger (OTEL_EXPORTER_OTLP_ENDPOINT) and tells every
 * proxy, over xDS, to send theirs there too (--proxy-otlp).
 */
function controlPlaneStep(supervisor: ProcessSupervisor, ports: ControlPlanePorts, mesh: Partial<LocalMesh>, configFile: string | undefined, meshPorts: LocalMeshPorts) {
  const otlpGrpcPort = meshPorts.otlpGrpc;
  return {
    title: `Control plane (xDS :${ports.xds}, admin :${ports.admin}${configFile ? `, ${relative(process.cwd(), configFile) || configFile}` : ''})`,
    task: async () => {
      await startControlPlane(supervisor, {
        consulAddr: mesh.consul?.httpAddr ?? '',
        ports,
        proxyOtlp: `127.0.0.1:${otlpGrpcPort}`,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpGrpcPort}`,
          ...(mesh.consul?.managementToken ? { CONSUL_HTTP_TOKEN: mesh.consul.managementToken } : {}),
        },
        // Prometheus starts after the control plane (it scrapes it); the console reads it once it is up.
        console: {
          prometheusUrl: `http://127.0.0.1:${meshPorts.prometheus}`,
          jaegerUrl: mesh.jaeger?.queryUrl ?? `http://127.0.0.1:${meshPorts.jaegerUi}`,
          temporalAddress: mesh.temporal?.address ?? `127.0.0.1:${meshPorts.temporal}`,
          ...(mesh.temporal?.uiUrl ? { temporalUiUrl: mesh.temporal.uiUrl } : {}),
        },
        ...(configFile ? { configFile } : {}),
      });
    },
  };
}

async function up({ ports, controlPlane, platformPorts, runDir: explicitRunDir, configFile, dataDir }: UpOptions): Promise<void> {
  // Prometheus scrapes what the DSL declares, on this run's ports; a broken config fails before anything starts.
  const scrapeJobs = meshScrapeJobs(localScrapeTargets(await meshDefinition(configFile), localRun(controlPlane, platformPorts)));
  await checkLocalMeshPorts(ports);
  await assertPortsFree({ 'xDS gRPC, --xds-port': controlPlane.xds, 'control plane admin, --xds-admin-port': controlPlane.admin });
  reservePorts([controlPlane.xds, controlPlane.admin]);
  if (platformPorts) await checkDemoPlatformPorts(platformPorts);
  const runDir = runDirectory(explicitRunDir);
  mkdirSync(dataDir, { recursive: true });
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
  let tokens: ((service: string) => Promise<string>) | undefined;
  const platform: Partial<DemoPlatform> = {};
  const [consulStep, temporalStep, jaegerStep, prometheusStep] = localMeshSteps(supervisor, ports, scrapeJobs, { dataDir }).map((step) => ({
    title: step.title,
    task: async () => {
      Object.assign(mesh, { [step.component]: await step.start(mesh) });
    },
  }));
  // Built first: a compile error should not wait for the infrastructure to start.
  const buildTasks = platformPorts ? [{ title: 'Build the services (tsc -b)', task: () => buildDemoPlatform() }] : [];
  const platformTasks = platformPorts
    ? [
        ...demoPlatformSteps(
          supervisor,
          {
            consulAddr: `http://127.0.0.1:${ports.consulHttp}`,
            xds: { address: '127.0.0.1', port: controlPlane.xds },
            temporalAddress: `127.0.0.1:${ports.temporal}`,
            otlpGrpcEndpoint: `http://127.0.0.1:${ports.otlpGrpc}`,
            dataDir,
            // Consul starts before any app: its ACL tokens exist by the time the first one asks.
            serviceToken: (service) => (tokens ??= serviceTokens(mesh.consul as ConsulHandle))?.(service) ?? Promise.resolve(''),
          },
          platformPorts,
        ).map((step) => ({ title: step.title, task: () => step.start(platform) })),
      ]
    : [];
  const tasks = new Listr(
    [...buildTasks, consulStep!, temporalStep!, jaegerStep!, controlPlaneStep(supervisor, controlPlane, mesh, configFile, ports), prometheusStep!, ...platformTasks],
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

  printUrls(mesh as LocalMesh, controlPlane, platformPorts ? (platform as DemoPlatform) : undefined, dataDir);
  console.log('\nThe mesh is up. Press Ctrl-C to stop everything.');

  for (const managed of supervisor.running) {
    void managed.exited.then((exit) => {
      if (stopping) return;
      console.error(`\n✖ ${managed.name} exited unexpectedly (${describeExit(exit)})\n${logTail(managed.logFile)}`);
      void shutdown(`${managed.name} died`, 1);
    });
  }
}

function printUrls(mesh: LocalMesh, controlPlane: ControlPlanePorts, platform: DemoPlatform | undefined, dataDir: string): void {
  const table = new Table({ head: ['Component', 'URL', 'Notes'], style: { head: [], border: [] } });
  table.push(['Mesh console', `http://127.0.0.1:${controlPlane.admin}/ui/`, 'topology, proxies, config, diff, traces, workflows, metrics (`mesh diff <proxy-id>`)']);
  if (platform) {
    table.push([
      'Gateway (public API)',
      `${platform.gateway.url}/`,
      `${DEMO_PUBLIC_API.map((e) => `${e.method} ${e.path}`).join('\n')}\nEnvoy admin ${platform.gateway.envoy.adminUrl}`,
    ]);
    for (const service of platform.apps.values()) {
      table.push([
        service.service,
        `${service.appUrl}/health`,
        `sidecar :${service.ports.sidecar}, outbound :${service.ports.outbound}, Envoy admin ${service.sidecar.adminUrl}`,
      ]);
    }
  }
  table.push(
    [
      'Consul UI / API',
      `${mesh.consul.httpAddr}/ui`,
      `CONSUL_HTTP_ADDR=${mesh.consul.httpAddr}${mesh.consul.managementToken ? `\nACLs on (default deny); management token:\nCONSUL_HTTP_TOKEN=${mesh.consul.managementToken}` : ''}`,
    ],
    ['Control plane admin', `http://127.0.0.1:${controlPlane.admin}/info`, `xDS (ADS) 127.0.0.1:${controlPlane.xds}; \`mesh status\``],
    ['Temporal UI', mesh.temporal.uiUrl ?? '(headless)', `frontend ${mesh.temporal.address}`],
    // The Jaeger built from its Go module has no UI assets, only the query API.
    ['Jaeger query API', `${mesh.jaeger.queryUrl}/api/services`, `traces: ${mesh.jaeger.queryUrl}/api/traces?service=<name>; OTLP gRPC ${mesh.jaeger.otlpGrpcEndpoint}, HTTP ${mesh.jaeger.otlpHttpUrl}`],
    ['Prometheus', mesh.prometheus.url, `targets: ${mesh.prometheus.url}/targets`],
  );
  console.log(`\n${table.toString()}`);
  if (platform) console.log(`Service data and Temporal history: ${dataDir}`);
}
