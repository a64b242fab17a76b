import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { BlockingQuery } from '../consul/blocking-query';
import { INTENTIONS_PATH, parseIntentions, type Intention } from '../consul/connect-intentions';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

/**
 * Follows Consul's intentions with a blocking query, so one created or deleted with
 * `consul intention …` reaches the destination's RBAC within one round trip. Runs only with a
 * config file: intentions act on callers' verified identities, which exist only under mTLS.
 */
@Injectable()
export class IntentionsSync implements OnModuleInit, OnModuleDestroy {
  private readonly query: BlockingQuery<readonly Intention[]> | undefined;
  private current: readonly Intention[] = [];
  private transport: ConsulClientTransport | undefined;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) options: ControlPlaneOptions,
    mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    if (!options.configFile) return;
    this.transport = new ConsulClientTransport(options.consulAddress, { token: options.consulToken });
    this.query = new BlockingQuery({
      transport: this.transport,
      path: INTENTIONS_PATH,
      parse: parseIntentions,
      onChange: (intentions) => {
        this.current = intentions;
        logger.info({ intentions: intentions.length }, 'Consul intentions changed');
        mesh.updateIntentions(intentions);
      },
      onError: (error) => {
        metrics.consulWatchErrors.inc({ endpoint: 'intentions' });
        logger.warn({ err: error.message }, 'intentions watch failed; the last intentions stay in force');
      },
    });
  }

  /** The intentions in force, for `mesh status`. */
  get intentions(): readonly Intention[] {
    return this.current;
  }

  onModuleInit(): void {
    this.query?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.query?.stop();
    this.transport?.close();
  }
}
