import { SCRAPE_JOBS } from '../../generate/prometheus.generator';
import { LOCAL_APP_CLUSTER } from '../../translate/listener.translator';
import type { MetricPanel } from './metric-panels';
import type { PrometheusReader } from './prometheus-reader';

export interface Figures {
  rps: number;
  errorRate: number | null;
  p99Ms: number | null;
}

export interface TrafficFigures {
  services: Record<string, Figures>;
  /** `caller>destination` → figures measured at the caller's sidecar. */
  edges: Record<string, Figures>;
}

const outbound = `job="${SCRAPE_JOBS.envoy}",envoy_cluster_name!~"${LOCAL_APP_CLUSTER}|xds_cluster|envoy_admin"`;

/** Per edge, at the caller's sidecar: the same measures as the per-service panels, by destination cluster. */
const EDGE_QUERIES = {
  rps: `sum by (service, envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{${outbound}}[1m]))`,
  errorRate: `sum by (service, envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx{${outbound},envoy_response_code_class="5"}[1m])) / sum by (service, envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{${outbound}}[1m]))`,
  p99Ms: `histogram_quantile(0.99, sum by (service, envoy_cluster_name, le) (rate(envoy_cluster_upstream_rq_time_bucket{${outbound}}[1m])))`,
};

const SERVICE_PANELS = { rps: 'Requests per second by service', errorRate: 'Error rate by service (5xx)', p99Ms: 'p99 latency by service' } as const;

/**
 * Rates, error rates and p99 latency per service (the mesh-overview panels' own queries, at this
 * instant) and per edge, for the topology. Edges with traffic are edges observed, whether or
 * not the DSL declares them.
 */
export async function trafficFigures(prometheus: PrometheusReader, panels: readonly MetricPanel[]): Promise<TrafficFigures> {
  const figures: TrafficFigures = { services: {}, edges: {} };
  const slot = (record: Record<string, Figures>, key: string) => (record[key] ??= { rps: 0, errorRate: null, p99Ms: null });
  await Promise.all(
    (Object.keys(SERVICE_PANELS) as Array<keyof Figures>).map(async (measure) => {
      const expr = panels.find((p) => p.title === SERVICE_PANELS[measure])?.queries[0]?.expr;
      if (expr) for (const s of await prometheus.instant(expr)) if (s.labels.service) slot(figures.services, s.labels.service)[measure] = s.value;
      for (const s of await prometheus.instant(EDGE_QUERIES[measure])) {
        if (s.labels.service && s.labels.envoy_cluster_name) slot(figures.edges, `${s.labels.service}>${s.labels.envoy_cluster_name.split('~')[0]}`)[measure] = s.value;
      }
    }),
  );
  // Envoy exports a response class only once it has seen one: traffic without 5xx series had none.
  for (const f of [...Object.values(figures.services), ...Object.values(figures.edges)]) if (f.errorRate === null && f.rps > 0) f.errorRate = 0;
  return figures;
}
