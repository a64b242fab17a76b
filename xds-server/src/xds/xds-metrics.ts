import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TYPE_SHORT_NAME } from '../resources/type-url';

/**
 * The `endpoint` label of mesh_consul_watch_errors_total: the catalog's two blocking queries
 * (`catalog`, `health-state`), the reads of single services (`health`), and the Connect CA's.
 */
export const CONSUL_WATCH_ENDPOINTS = ['catalog', 'health-state', 'health', 'connect-ca-roots', 'connect-ca-leaf', 'intentions', 'acl'] as const;

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

  readonly warmingHoldSeconds = new Histogram({
    name: 'mesh_xds_warming_hold_seconds',
    help: 'Time listener and route responses waited for the proxy to ACK the clusters sent before them (it ACKs once they are warm), by outcome (answered, expired)',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [this.registry],
  });

  readonly consulWatchErrors = new Counter({
    name: 'mesh_consul_watch_errors_total',
    help: 'Failed Consul blocking queries, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  constructor() {
    // A zero series for every type and endpoint: a mesh without NACKs or Consul errors shows 0
    // on the dashboards (and in rate()) instead of no data.
    for (const type of Object.values(TYPE_SHORT_NAME)) this.nacks.inc({ type }, 0);
    for (const endpoint of CONSUL_WATCH_ENDPOINTS) this.consulWatchErrors.inc({ endpoint }, 0);
  }
}
