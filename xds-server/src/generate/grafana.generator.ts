import type { MeshDefinition } from '../dsl/mesh-definition';
import { LOCAL_APP_CLUSTER } from '../translate/listener.translator';
import { GATEWAY_NAME, PORTS } from './deploy-conventions';
import { GENERATED_HEADER, jsonFile, yamlFile, type GeneratedFile } from './generated-file';
import { meshLayout, type MeshLayout } from './mesh-layout';
import { SCRAPE_JOBS } from './prometheus.generator';

export const DATASOURCE_UID = 'mesh-prometheus';
/** Where the compose file mounts grafana/dashboards in the Grafana container. */
export const DASHBOARDS_DIR = '/var/lib/grafana/dashboards/mesh';

/** The worker's metrics (services/workflows/src/metrics/workflow-metrics.ts), as the workflows dashboard reads them. */
export const WORKFLOW_METRICS = {
  stepDuration: 'mesh_workflow_step_duration_seconds',
  completed: 'mesh_workflow_completed_total',
  failed: 'mesh_workflow_failed_total',
  workflowDuration: 'mesh_workflow_duration_seconds',
  activityDuration: 'mesh_workflow_activity_duration_seconds',
  activityFailures: 'mesh_workflow_activity_failures_total',
} as const;

interface Query {
  expr: string;
  legend: string;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: readonly Query[];
  /** Grid width out of 24. */
  width?: number;
}

const datasource = { type: 'prometheus', uid: DATASOURCE_UID } as const;

function panel(spec: PanelSpec, id: number, x: number, y: number) {
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos: { h: 8, w: spec.width ?? 12, x, y },
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: spec.queries.map((q, n) => ({ refId: String.fromCharCode(65 + n), datasource, expr: q.expr, legendFormat: q.legend, range: true })),
  };
}

function dashboard(uid: string, title: string, about: string, tags: readonly string[], specs: readonly PanelSpec[]) {
  let x = 0;
  let y = 0;
  const panels = specs.map((spec, n) => {
    const width = spec.width ?? 12;
    if (x + width > 24) {
      x = 0;
      y += 8;
    }
    const built = panel(spec, n + 1, x, y);
    x += width;
    return built;
  });
  return {
    uid,
    title,
    description: `${GENERATED_HEADER}. ${about}`,
    tags: ['mesh', 'generated', ...tags],
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

const envoy = `job="${SCRAPE_JOBS.envoy}"`;
/** Requests at each service's own sidecar, to its app: every caller, the gateway included. */
const inbound = `${envoy},envoy_cluster_name="${LOCAL_APP_CLUSTER}"`;
/** Clusters that lead to other services (not the app, the control plane or the admin). */
const outbound = `${envoy},envoy_cluster_name!~"${LOCAL_APP_CLUSTER}|xds_cluster|envoy_admin"`;

function meshOverview(layout: MeshLayout) {
  return dashboard(
    'mesh-overview',
    `Mesh overview (${layout.name})`,
    'Requests per second, error rate and p99 latency per service, measured by each service\'s sidecar; retries, ejections and circuit-breaker overflows per destination.',
    ['envoy'],
    [
      {
        title: 'Requests per second by service',
        description: 'Requests each sidecar forwarded to its app (envoy_cluster_upstream_rq_total of the local_app cluster).',
        unit: 'reqps',
        queries: [{ expr: `sum by (service) (rate(envoy_cluster_upstream_rq_total{${inbound}}[1m]))`, legend: '{{service}}' }],
      },
      {
        title: 'Error rate by service (5xx)',
        description: 'Share of requests answered with a 5xx, from envoy_cluster_upstream_rq_xx.',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (service) (rate(envoy_cluster_upstream_rq_xx{${inbound},envoy_response_code_class="5"}[1m])) / sum by (service) (rate(envoy_cluster_upstream_rq_total{${inbound}}[1m]))`,
            legend: '{{service}}',
          },
        ],
      },
      {
        title: 'p99 latency by service',
        description: '99th percentile of envoy_cluster_upstream_rq_time at each service\'s sidecar.',
        unit: 'ms',
        queries: [
          { expr: `histogram_quantile(0.99, sum by (service, le) (rate(envoy_cluster_upstream_rq_time_bucket{${inbound}}[1m])))`, legend: '{{service}}' },
        ],
      },
      {
        title: 'Gateway requests per second by destination',
        description: 'Requests the edge Envoy sent to each service.',
        unit: 'reqps',
        queries: [{ expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{${envoy},service="${GATEWAY_NAME}"}[1m]))`, legend: '{{envoy_cluster_name}}' }],
      },
      {
        title: 'Retries by destination',
        description: 'Retries callers\' sidecars made (retry policy), per destination cluster.',
        unit: 'reqps',
        queries: [{ expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_retry{${outbound}}[1m]))`, legend: '{{envoy_cluster_name}}' }],
      },
      {
        title: 'Ejected endpoints by destination',
        description: 'Endpoints currently ejected by outlier detection, summed over callers.',
        unit: 'short',
        queries: [{ expr: `sum by (envoy_cluster_name) (envoy_cluster_outlier_detection_ejections_active{${outbound}})`, legend: '{{envoy_cluster_name}}' }],
      },
      {
        title: 'Circuit-breaker overflows by destination',
        description: 'Requests, connections and retries refused because a circuit breaker was full.',
        unit: 'reqps',
        queries: [
          { expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_pending_overflow{${outbound}}[1m]))`, legend: '{{envoy_cluster_name}} pending' },
          { expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_cx_overflow{${outbound}}[1m]))`, legend: '{{envoy_cluster_name}} connections' },
          { expr: `sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_retry_overflow{${outbound}}[1m]))`, legend: '{{envoy_cluster_name}} retries' },
        ],
      },
      {
        title: 'Healthy endpoints by destination',
        description: 'Endpoints each caller sees as healthy (lowest over callers).',
        unit: 'short',
        queries: [{ expr: `min by (envoy_cluster_name) (envoy_cluster_membership_healthy{${outbound}})`, legend: '{{envoy_cluster_name}}' }],
      },
    ],
  );
}

function controlPlane(layout: MeshLayout) {
  const job = `job="${SCRAPE_JOBS.controlPlane}"`;
  return dashboard(
    'mesh-control-plane',
    `Control plane (${layout.name})`,
    'The xDS control plane of every node: connected streams, pushes, push latency, NACKs, resources and Consul watch errors (xds-server/src/xds/xds-metrics.ts).',
    ['xds'],
    [
      { title: 'Control planes up', description: 'Whether Prometheus reaches each node\'s control plane.', unit: 'short', queries: [{ expr: `up{${job}}`, legend: '{{node}}' }] },
      {
        title: 'Connected xDS streams',
        description: 'Open streams (connected proxies) by node and protocol.',
        unit: 'short',
        queries: [{ expr: `sum by (node, protocol) (mesh_xds_connected_streams{${job}})`, legend: '{{node}} {{protocol}}' }],
      },
      {
        title: 'Pushes per second by type',
        description: 'xDS responses written to streams.',
        unit: 'ops',
        queries: [{ expr: `sum by (type) (rate(mesh_xds_pushes_total{${job}}[1m]))`, legend: '{{type}}' }],
      },
      {
        title: 'Change-to-send latency',
        description: 'From observing a Consul change to writing the resulting response, p50 and p99.',
        unit: 's',
        queries: [
          { expr: `histogram_quantile(0.5, sum by (le) (rate(mesh_xds_change_to_send_seconds_bucket{${job}}[5m])))`, legend: 'p50' },
          { expr: `histogram_quantile(0.99, sum by (le) (rate(mesh_xds_change_to_send_seconds_bucket{${job}}[5m])))`, legend: 'p99' },
        ],
      },
      {
        title: 'NACKs by type (5m)',
        description: 'Responses proxies rejected; `mesh status` names the proxy and the error.',
        unit: 'short',
        queries: [{ expr: `sum by (type) (increase(mesh_xds_nacks_total{${job}}[5m]))`, legend: '{{type}}' }],
      },
      {
        title: 'Resources by type',
        description: 'Resources in the current snapshot.',
        unit: 'short',
        queries: [{ expr: `max by (type) (mesh_xds_resources{${job}})`, legend: '{{type}}' }],
      },
      {
        title: 'Consul watch errors',
        description: 'Failed Consul blocking queries by endpoint; the control plane keeps serving its last state meanwhile.',
        unit: 'ops',
        queries: [{ expr: `sum by (node, endpoint) (rate(mesh_consul_watch_errors_total{${job}}[5m]))`, legend: '{{node}} {{endpoint}}' }],
        width: 24,
      },
    ],
  );
}

function workflows(layout: MeshLayout) {
  const job = `job="${SCRAPE_JOBS.services}",service="workflows"`;
  const m = WORKFLOW_METRICS;
  return dashboard(
    'mesh-workflows',
    `Workflows (${layout.name})`,
    'The Temporal worker (services/workflows): time per step, completed vs failed runs, activity attempts and their failures. Step and run times are workflow time, reported through a sink that replays do not call.',
    ['temporal'],
    [
      { title: 'Worker up', description: 'Whether Prometheus reaches the worker\'s /metrics.', unit: 'short', queries: [{ expr: `up{${job}}`, legend: '{{instance}}' }] },
      {
        title: 'Time per step (p95)',
        description: `Time each workflow spends in each step (${m.stepDuration}), e.g. OnboardUser waiting for the profile.`,
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.95, sum by (workflow, step, le) (rate(${m.stepDuration}_bucket{${job}}[5m])))`, legend: '{{workflow}} {{step}}' }],
      },
      {
        title: 'Completed vs failed workflows',
        description: `Runs that ended in the last 15 minutes (${m.completed}, ${m.failed}).`,
        unit: 'short',
        queries: [
          { expr: `sum by (workflow) (increase(${m.completed}{${job}}[15m]))`, legend: '{{workflow}} completed' },
          { expr: `sum by (workflow) (increase(${m.failed}{${job}}[15m]))`, legend: '{{workflow}} failed' },
        ],
      },
      {
        title: 'Run time (p95)',
        description: `Start to end of the runs that ended, by outcome (${m.workflowDuration}).`,
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.95, sum by (workflow, outcome, le) (rate(${m.workflowDuration}_bucket{${job}}[15m])))`, legend: '{{workflow}} {{outcome}}' }],
      },
      {
        title: 'Activity attempt latency (p95)',
        description: `Each attempt of each activity, an HTTP call through the worker's sidecar (${m.activityDuration}).`,
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.95, sum by (activity, le) (rate(${m.activityDuration}_bucket{${job}}[5m])))`, legend: '{{activity}}' }],
      },
      {
        title: 'Activity failures',
        description: `Failed attempts in the last 15 minutes by activity and type (${m.activityFailures}): ServiceUnavailable is retried, ServiceRejected is not.`,
        unit: 'short',
        queries: [{ expr: `sum by (activity, type) (increase(${m.activityFailures}{${job}}[15m]))`, legend: '{{activity}} {{type}}' }],
      },
    ],
  );
}

/**
 * Dashboards as provisioned files, plus the provisioning that loads them: a Prometheus
 * datasource with a fixed uid (every panel names it) and a file provider.
 */
export function generateGrafana(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  const prometheusUrl = `http://${layout.controlNode.address}:${PORTS.prometheus}`;
  return [
    jsonFile('grafana/dashboards/control-plane.json', controlPlane(layout)),
    jsonFile('grafana/dashboards/mesh-overview.json', meshOverview(layout)),
    jsonFile('grafana/dashboards/workflows.json', workflows(layout)),
    yamlFile('grafana/provisioning/dashboards/mesh.yaml', {
      apiVersion: 1,
      providers: [{ name: 'mesh', folder: 'Mesh', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARDS_DIR } }],
    }),
    yamlFile('grafana/provisioning/datasources/prometheus.yaml', {
      apiVersion: 1,
      datasources: [{ name: 'Prometheus', uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: prometheusUrl, isDefault: true, editable: false }],
    }),
  ];
}
