import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The control plane's own metrics, on one registry served at /metrics. */
export class XdsMetrics {
  readonly registry = new Registry();

  readonly connectedStreams = new Gauge({
    name: 'mesh_xds_connected_streams',
    help: 'Open xDS streams by protocol (sotw, delta)',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });

  readonly pushes = new Counter({
    name: 'mesh_xds_pushes_total',
    help: 'xDS responses written to streams, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly nacks = new Counter({
    name: 'mesh_xds_nacks_total',
    help: 'Responses rejected by proxies (error_detail set), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'mesh_config_reloads_total',
    help: 'Reloads of mesh.config.ts after a save, by result (applied, rejected)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly resources = new Gauge({
    name: 'mesh_xds_resources',
    help: 'Resources in the current mesh snapshot, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly propagationSeconds = new Histogram({
    name: 'mesh_xds_change_to_send_seconds',
    help: 'Time from observing a Consul change to writing the resulting response to a stream',
    labelNames: ['type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly consulWatchErrors = new Counter({
    name: 'mesh_consul_watch_errors_total',
    help: 'Failed Consul blocking queries, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
}
