import type { MeshDefinition } from '../dsl/mesh-definition';
import { GATEWAY_NAME, PORTS } from './deploy-conventions';
import { sortedEntries, yamlFile, type GeneratedFile } from './generated-file';
import { DEFAULT_VERSION, meshLayout, type InstanceLayout } from './mesh-layout';

/** Target labels every panel groups by (grafana.generator.ts relies on them). */
export const SCRAPE_LABELS = { service: 'service', node: 'node', instance: 'instance', version: 'version' } as const;

export const SCRAPE_JOBS = { controlPlane: 'mesh-control-plane', services: 'mesh-services', envoy: 'mesh-envoy' } as const;

/** Where each kind of target serves its metrics. */
export const SCRAPE_PATHS = { controlPlane: '/metrics', services: '/metrics', envoy: '/stats/prometheus' } as const;

/** The `service` label of the control plane's targets. */
export const CONTROL_PLANE_SERVICE = 'control-plane';

/** One static_configs entry: targets (host:port) sharing one set of labels. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface ScrapeJob {
  job_name: string;
  metrics_path: string;
  static_configs: TargetGroup[];
}

/** What Prometheus scrapes in a mesh, target by target, with the labels the dashboards use. */
export interface MeshScrapeTargets {
  /** Each control plane's admin /metrics. */
  controlPlanes: TargetGroup[];
  /** Each app's /metrics (the worker included). */
  apps: TargetGroup[];
  /** Each Envoy's /stats/prometheus: every sidecar and the gateway. */
  envoys: TargetGroup[];
}

/**
 * One job per kind of target. The dashboards select on these job names and on the
 * `service`, `node` and `instance` labels, so a deployment and a local run share them.
 */
export function meshScrapeJobs(targets: MeshScrapeTargets): ScrapeJob[] {
  return [
    { job_name: SCRAPE_JOBS.controlPlane, metrics_path: SCRAPE_PATHS.controlPlane, static_configs: targets.controlPlanes },
    { job_name: SCRAPE_JOBS.services, metrics_path: SCRAPE_PATHS.services, static_configs: targets.apps },
    { job_name: SCRAPE_JOBS.envoy, metrics_path: SCRAPE_PATHS.envoy, static_configs: targets.envoys },
  ];
}

interface InstanceIdentity {
  id: string;
  service: string;
  version: string;
  node: string;
}

function instanceLabels(i: InstanceIdentity): Record<string, string> {
  return { [SCRAPE_LABELS.instance]: i.id, [SCRAPE_LABELS.node]: i.node, [SCRAPE_LABELS.service]: i.service, [SCRAPE_LABELS.version]: i.version };
}

function controlPlaneLabels(node: string): Record<string, string> {
  return { [SCRAPE_LABELS.instance]: `control-plane-${node}`, [SCRAPE_LABELS.node]: node, [SCRAPE_LABELS.service]: CONTROL_PLANE_SERVICE };
}

function gatewayLabels(id: string, node: string): Record<string, string> {
  return { [SCRAPE_LABELS.instance]: id, [SCRAPE_LABELS.node]: node, [SCRAPE_LABELS.service]: GATEWAY_NAME, [SCRAPE_LABELS.version]: 'edge' };
}

/**
 * A deployment's targets: the control plane of each node (admin /metrics), each app
 * (/metrics) and each Envoy (`/stats/prometheus` on its metrics listener, adminPort + 1000,
 * since the admin interface stays on loopback). `instance` is the instance id, so it stays readable.
 */
export function deployedScrapeTargets(mesh: MeshDefinition): MeshScrapeTargets {
  const layout = meshLayout(mesh);
  const identity = (i: InstanceLayout): InstanceIdentity => ({ id: i.id, service: i.service, version: i.version, node: i.node.name });
  const gateway = layout.gateway;
  return {
    controlPlanes: layout.controlPlanes.map((node) => ({ targets: [`${node.address}:${PORTS.controlPlaneAdmin}`], labels: controlPlaneLabels(node.name) })),
    apps: layout.instances.map((i) => ({ targets: [`${i.node.address}:${i.port}`], labels: instanceLabels(identity(i)) })),
    envoys: [
      ...layout.instances.map((i) => ({ targets: [`${i.node.address}:${i.metricsPort}`], labels: instanceLabels(identity(i)) })),
      ...(gateway ? [{ targets: [`${gateway.node.address}:${gateway.metricsPort}`], labels: gatewayLabels(gateway.id, gateway.node.name) }] : []),
    ],
  };
}

export function generatePrometheus(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  return [
    yamlFile(
      'prometheus/prometheus.yml',
      {
        global: { scrape_interval: '15s', scrape_timeout: '10s', evaluation_interval: '15s', external_labels: { mesh: layout.name } },
        scrape_configs: [
          { job_name: 'prometheus', static_configs: [{ targets: [`${layout.controlNode.address}:${PORTS.prometheus}`] }] },
          ...meshScrapeJobs(deployedScrapeTargets(mesh)),
        ],
      },
      [`Prometheus on ${layout.controlNode.name} (${layout.controlNode.address}:${PORTS.prometheus}); check with: promtool check config <this file>`],
    ),
  ];
}

/** One app instance of a run on this machine, with the ports it actually got. */
export interface LocalInstance {
  service: string;
  /** Consul service id / Envoy node id. */
  id: string;
  /** host:port of the app (/metrics). */
  app: string;
  /** host:port of its sidecar's admin interface (/stats/prometheus). */
  envoyAdmin: string;
}

/** What runs locally (`mesh up`, the end-to-end platform), on the ports it actually got. */
export interface LocalMeshRun {
  /** host:port of the control plane's admin API. */
  controlPlaneAdmin: string;
  instances: readonly LocalInstance[];
  gateway?: { id: string; envoyAdmin: string };
}

/** The `node` label of a run on this machine. */
export const LOCAL_NODE = 'local';

/**
 * The same jobs and labels as a deployment, for a run on this machine: every target is on
 * loopback next to Prometheus, so each Envoy's admin port serves `/stats/prometheus`
 * directly. Versions come from the definition (`meta.version`), as in a deployment; a
 * service the definition does not declare is scraped with the default version. Instances
 * are sorted by id, so the same run gives the same file.
 */
export function localScrapeTargets(mesh: MeshDefinition | undefined, run: LocalMeshRun): MeshScrapeTargets {
  const declared = new Map(sortedEntries(mesh?.services).map(([name, definition]) => [name, definition.meta?.version ?? DEFAULT_VERSION]));
  const instances = [...run.instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const identity = (i: LocalInstance): InstanceIdentity => ({ id: i.id, service: i.service, version: declared.get(i.service) ?? DEFAULT_VERSION, node: LOCAL_NODE });
  return {
    controlPlanes: [{ targets: [run.controlPlaneAdmin], labels: controlPlaneLabels(LOCAL_NODE) }],
    apps: instances.map((i) => ({ targets: [i.app], labels: instanceLabels(identity(i)) })),
    envoys: [
      ...instances.map((i) => ({ targets: [i.envoyAdmin], labels: instanceLabels(identity(i)) })),
      ...(run.gateway ? [{ targets: [run.gateway.envoyAdmin], labels: gatewayLabels(run.gateway.id, LOCAL_NODE) }] : []),
    ],
  };
}
