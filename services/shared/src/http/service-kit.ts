import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';
import { ConsulRegistration } from '../consul/consul-registration';
import { HealthChecks } from '../health/health-checks';
import { JwtCodec } from '../auth/jwt-codec';
import { createLogger } from '../logging/logger';
import { ServiceMetrics } from '../metrics/service-metrics';
import { UpstreamClient } from '../upstream/upstream-client';
import { type Clock, systemClock } from '../time/clock';

/** The per-process building blocks every service shares; one instance per app. */
export interface ServiceKit {
  config: ServiceConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  health: HealthChecks;
  jwt: JwtCodec;
  upstream: UpstreamClient;
  consul: ConsulRegistration;
  clock: Clock;
}

export function createServiceKit(config: ServiceConfig, options: { logger?: Logger; defaultMetrics?: boolean; clock?: Clock } = {}): ServiceKit {
  const logger = options.logger ?? createLogger(config.name, config.instanceId, config.logLevel);
  return {
    config,
    logger,
    metrics: new ServiceMetrics(config.name, { defaultMetrics: options.defaultMetrics ?? true }),
    health: new HealthChecks({ service: config.name, instanceId: config.instanceId, version: config.version }),
    jwt: new JwtCodec(config.jwt),
    upstream: new UpstreamClient(config.outbound),
    consul: new ConsulRegistration(config, logger),
    clock: options.clock ?? systemClock,
  };
}
