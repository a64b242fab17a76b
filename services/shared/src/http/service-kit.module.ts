import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { JwtCodec } from '../auth/jwt-codec';
import { ConsulRegistration } from '../consul/consul-registration';
import { HealthChecks } from '../health/health-checks';
import { HealthController } from '../health/health.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { ServiceMetrics } from '../metrics/service-metrics';
import { UpstreamClient } from '../upstream/upstream-client';
import type { ServiceKit } from './service-kit';
import { LOGGER, SERVICE_CONFIG } from './tokens';
import { CLOCK } from '../time/clock';
import { currentTelemetry } from '../telemetry/telemetry-handle';

/** Leaves Consul before the HTTP server stops taking requests, and closes shared clients last. */
@Injectable()
class KitLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(ConsulRegistration) private readonly consul: ConsulRegistration,
    @Inject(UpstreamClient) private readonly upstream: UpstreamClient,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.consul.deregister();
  }

  async onApplicationShutdown(): Promise<void> {
    this.upstream.close();
    // Nest re-raises the signal after these hooks: send the buffered spans before the process goes.
    await currentTelemetry().spanProcessor.forceFlush();
  }
}

/** /health, /metrics, config, logger, JWT guard and the upstream client, for every module of the app. */
@Module({})
export class ServiceKitModule {
  static forRoot(kit: ServiceKit): DynamicModule {
    return {
      module: ServiceKitModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: kit.config },
        { provide: LOGGER, useValue: kit.logger },
        { provide: ServiceMetrics, useValue: kit.metrics },
        { provide: HealthChecks, useValue: kit.health },
        { provide: JwtCodec, useValue: kit.jwt },
        { provide: UpstreamClient, useValue: kit.upstream },
        { provide: ConsulRegistration, useValue: kit.consul },
        { provide: CLOCK, useValue: kit.clock },
        JwtAuthGuard,
        KitLifecycle,
      ],
      exports: [SERVICE_CONFIG, LOGGER, CLOCK, ServiceMetrics, HealthChecks, JwtCodec, UpstreamClient, ConsulRegistration, JwtAuthGuard],
    };
  }
}
