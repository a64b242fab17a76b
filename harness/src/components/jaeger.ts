import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { allocatePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { toolBin } from '../toolchain/paths';

export interface JaegerPorts {
  query: number;
  queryGrpc: number;
  otlpGrpc: number;
  otlpHttp: number;
  health: number;
  metrics: number;
}

export interface JaegerHandle {
  /** Base URL of the UI and the query API (`/api/services`, `/api/traces`). */
  queryUrl: string;
  /** host:port for OTLP over gRPC. */
  otlpGrpcEndpoint: string;
  /** Base URL for OTLP over HTTP (`/v1/traces`). */
  otlpHttpUrl: string;
  ports: JaegerPorts;
  process: ManagedProcess;
}

export interface JaegerOptions {
  ports?: Partial<JaegerPorts>;
  maxTraces?: number;
  readyTimeoutMs?: number;
}

/** Jaeger v2 (an OpenTelemetry Collector distribution) with in-memory storage. */
export function jaegerConfig(ports: JaegerPorts, maxTraces: number): unknown {
  const at = (port: number) => `127.0.0.1:${port}`;
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: ports.metrics } } } }] },
        logs: { level: 'warn' },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: at(ports.health) } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: at(ports.query) },
        grpc: { endpoint: at(ports.queryGrpc) },
      },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: at(ports.otlpGrpc) }, http: { endpoint: at(ports.otlpHttp) } } } },
    // A short batch timeout makes spans queryable quickly; the default waits 200ms anyway.
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
}

export async function startJaeger(supervisor: ProcessSupervisor, options: JaegerOptions = {}): Promise<JaegerHandle> {
  const ports: JaegerPorts = await allocatePorts(['query', 'queryGrpc', 'otlpGrpc', 'otlpHttp', 'health', 'metrics'], options.ports);
  const configFile = join(supervisor.runDir, 'jaeger.yaml');
  writeFileSync(configFile, stringify(jaegerConfig(ports, options.maxTraces ?? 100_000)));
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  const managed = await supervisor.start({
    name: 'jaeger',
    command: toolBin('jaeger'),
    args: ['--config', configFile],
    ready: async () => {
      await httpGet(`http://127.0.0.1:${ports.health}/status`);
      return JSON.parse(await httpGet(`${queryUrl}/api/services`)) as unknown;
    },
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return {
    queryUrl,
    otlpGrpcEndpoint: `127.0.0.1:${ports.otlpGrpc}`,
    otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}`,
    ports,
    process: managed,
  };
}
