import { startConsul, type ConsulHandle } from './components/consul';
import { startJaeger, type JaegerHandle } from './components/jaeger';
import { startPrometheus, type PrometheusHandle, type PrometheusScrapeJob } from './components/prometheus';
import { startTemporal, type TemporalHandle } from './components/temporal';
import { assertPortsFree, reservePorts } from './process/free-port';
import type { ProcessSupervisor } from './process/supervisor';
import { join } from 'node:path';

export interface LocalMeshPorts {
  consulHttp: number;
  consulGrpc: number;
  temporal: number;
  temporalUi: number;
  jaegerUi: number;
  otlpGrpc: number;
  otlpHttp: number;
  prometheus: number;
}

/** The fixed ports of `mesh up` (README, "Ports"). Tests use free ports instead. */
export const DEFAULT_LOCAL_MESH_PORTS: LocalMeshPorts = {
  consulHttp: 8500,
  consulGrpc: 8502,
  temporal: 7233,
  temporalUi: 8233,
  jaegerUi: 16686,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  prometheus: 9090,
};

export interface LocalMesh {
  consul: ConsulHandle;
  temporal: TemporalHandle;
  jaeger: JaegerHandle;
  prometheus: PrometheusHandle;
}

export interface LocalMeshStep<K extends keyof LocalMesh = keyof LocalMesh> {
  component: K;
  title: string;
  start: (mesh: Partial<LocalMesh>) => Promise<LocalMesh[K]>;
}

/** Human-readable names of the fixed ports, for PortInUseError messages. */
function portPurposes(ports: LocalMeshPorts): Record<string, number> {
  return {
    'Consul HTTP, --consul-port': ports.consulHttp,
    'Consul gRPC, --consul-grpc-port': ports.consulGrpc,
    'Temporal frontend, --temporal-port': ports.temporal,
    'Temporal UI, --temporal-ui-port': ports.temporalUi,
    'Jaeger query API, --jaeger-port': ports.jaegerUi,
    'OTLP gRPC, --otlp-grpc-port': ports.otlpGrpc,
    'OTLP HTTP, --otlp-http-port': ports.otlpHttp,
    'Prometheus, --prometheus-port': ports.prometheus,
  };
}

/** Fails fast on a taken port, then keeps the free-port allocator away from all of them. */
export async function checkLocalMeshPorts(ports: LocalMeshPorts): Promise<void> {
  await assertPortsFree(portPurposes(ports));
  reservePorts(Object.values(ports));
}

/**
 * Prometheus scrapes itself, Consul, Temporal and Jaeger, plus the mesh's own jobs (the
 * control plane, every app and every Envoy), which `mesh up` generates from the DSL.
 */
export function localMeshScrapeConfig(
  mesh: Pick<LocalMesh, 'consul' | 'temporal' | 'jaeger'>,
  prometheusPort: number,
  meshJobs: readonly PrometheusScrapeJob[] = [],
): { global: Record<string, string>; scrape_configs: PrometheusScrapeJob[] } {
  const job = (name: string, target: string, metricsPath = '/metrics', params?: Record<string, string[]>): PrometheusScrapeJob => ({
    job_name: name,
    metrics_path: metricsPath,
    ...(params ? { params } : {}),
    static_configs: [{ targets: [target] }],
  });
  return {
    global: { scrape_interval: '5s', scrape_timeout: '4s', evaluation_interval: '5s' },
    scrape_configs: [
      job('prometheus', `127.0.0.1:${prometheusPort}`),
      {
        ...job('consul', `127.0.0.1:${mesh.consul.ports.http}`, '/v1/agent/metrics', { format: ['prometheus'] }),
        // With ACLs on (default deny), the agent's metrics need a token with agent:read.
        ...(mesh.consul.managementToken ? { authorization: { type: 'Bearer' as const, credentials: mesh.consul.managementToken } } : {}),
      },
      job('temporal', `127.0.0.1:${mesh.temporal.ports.metrics}`),
      job('jaeger', `127.0.0.1:${mesh.jaeger.ports.metrics}`),
      ...meshJobs,
    ],
  };
}

export interface LocalMeshOptions {
  /** Where state that should outlive a run goes (Temporal's SQLite file); the run directory when omitted. */
  dataDir?: string;
}

/** The infrastructure of the local mesh, in start order. */
export function localMeshSteps(
  supervisor: ProcessSupervisor,
  ports: LocalMeshPorts,
  meshScrapeJobs: readonly PrometheusScrapeJob[] = [],
  options: LocalMeshOptions = {},
): LocalMeshStep[] {
  const steps: { [K in keyof LocalMesh]: LocalMeshStep<K> } = {
    consul: {
      component: 'consul',
      title: `Consul dev agent (:${ports.consulHttp})`,
      start: () => startConsul(supervisor, { ports: { http: ports.consulHttp, grpc: ports.consulGrpc }, acls: true }),
    },
    temporal: {
      component: 'temporal',
      title: `Temporal dev server (:${ports.temporal})`,
      start: () =>
        startTemporal(supervisor, {
          ports: { frontend: ports.temporal, ui: ports.temporalUi },
          dbFile: join(options.dataDir ?? supervisor.runDir, 'temporal.sqlite'),
        }),
    },
    jaeger: {
      component: 'jaeger',
      title: `Jaeger, in-memory (:${ports.jaegerUi})`,
      start: () =>
        startJaeger(supervisor, { ports: { query: ports.jaegerUi, otlpGrpc: ports.otlpGrpc, otlpHttp: ports.otlpHttp } }),
    },
    prometheus: {
      component: 'prometheus',
      title: `Prometheus (:${ports.prometheus})`,
      start: (mesh) =>
        startPrometheus(supervisor, {
          port: ports.prometheus,
          config: localMeshScrapeConfig(mesh as Omit<LocalMesh, 'prometheus'>, ports.prometheus, meshScrapeJobs),
        }),
    },
  };
  return [steps.consul, steps.temporal, steps.jaeger, steps.prometheus];
}
