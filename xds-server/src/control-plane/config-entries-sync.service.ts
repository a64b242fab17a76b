import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { BlockingQuery } from '../consul/blocking-query';
import { CONFIG_ENTRY_KINDS, type ConfigEntry, type ConfigEntryKind, combineConfigEntries, configEntriesPath, parseConfigEntries } from '../consul/config-entries';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

/**
 * Follows Consul's L7 config entries with one blocking query per kind (Consul wakes a
 * `/v1/config/<kind>` query only for writes to that kind), so `consul config write` reaches
 * the proxies within one round trip. The mesh waits for every kind's first answer, or its
 * first failure, before it is ready; a kind that fails keeps its last answer.
 */
@Injectable()
export class ConfigEntriesSync implements OnModuleInit, OnModuleDestroy {
  private readonly queries: BlockingQuery<readonly ConfigEntry[]>[];
  private readonly byKind = new Map<ConfigEntryKind, readonly ConfigEntry[]>();
  private readonly settled = new Set<ConfigEntryKind>();
  private readonly transport: ConsulClientTransport;
  private reported = '';
  private published = false;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) options: ControlPlaneOptions,
    private readonly mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: CONFIG_ENTRY_KINDS.length });
    this.queries = CONFIG_ENTRY_KINDS.map(
      (kind) =>
        new BlockingQuery({
          transport: this.transport,
          path: configEntriesPath(kind),
          parse: (body, path) => parseConfigEntries(kind, body, path),
          onChange: (entries) => {
            this.byKind.set(kind, entries);
            this.settle(kind, true);
          },
          onError: (error) => {
            metrics.consulWatchErrors.inc({ endpoint: 'config-entries' });
            logger.warn({ kind, err: error.message }, 'config entry watch failed; the last entries of this kind stay in force');
            this.settle(kind, false);
          },
        }),
    );
  }

  onModuleInit(): void {
    for (const query of this.queries) query.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.queries.map((query) => query.stop()));
    this.transport.close();
  }

  /** Publishes on every change once each kind has answered or failed once; a failure alone publishes only that first time. */
  private settle(kind: ConfigEntryKind, changed: boolean): void {
    this.settled.add(kind);
    if (this.settled.size < CONFIG_ENTRY_KINDS.length || (!changed && this.published)) return;
    this.published = true;
    const entries = combineConfigEntries(this.byKind);
    this.mesh.updateConfigEntries(entries);
    const { problems, origins } = this.mesh.configEntries;
    this.logger.info({ entries: [...this.byKind.values()].reduce((n, list) => n + list.length, 0), services: [...origins.keys()] }, 'Consul config entries changed');
    const report = problems.join('\n');
    if (report !== this.reported && problems.length > 0) this.logger.warn({ problems }, 'config entries: what is not served as written');
    this.reported = report;
  }
}
