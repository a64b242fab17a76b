import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { deregisterFromConsul, registerInConsul } from './consul-registration';
import { WORKER_CONFIG } from './worker.tokens';
import type { WorkerConfig } from './worker-config';

/**
 * Registers once the HTTP server listens (so the first health check can pass) and leaves the
 * catalog before the worker drains, so the sidecar stops being routed to first.
 */
@Injectable()
export class ConsulRegistrationService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ConsulRegistrationService.name);
  private registered = false;

  constructor(@Inject(WORKER_CONFIG) private readonly config: WorkerConfig) {}

  async register(): Promise<void> {
    await registerInConsul(this.config);
    this.registered = true;
    this.logger.log(`registered ${this.config.serviceId} as ${this.config.service} (sidecar port ${this.config.sidecarPort ?? 'none'})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.registered) return;
    this.registered = false;
    await deregisterFromConsul(this.config).catch((error: Error) => this.logger.warn(error.message));
  }
}
