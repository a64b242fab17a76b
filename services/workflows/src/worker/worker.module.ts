import { Module } from '@nestjs/common';
import { WorkflowMetrics } from '../metrics/workflow-metrics';
import { ConsulRegistrationService } from './consul-registration.service';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { TemporalWorkerService } from './temporal-worker.service';
import { workerConfigFromEnv } from './worker-config';
import { WORKER_CONFIG } from './worker.tokens';

@Module({
  controllers: [HealthController, MetricsController],
  providers: [
    { provide: WORKER_CONFIG, useFactory: () => workerConfigFromEnv() },
    WorkflowMetrics,
    TemporalWorkerService,
    ConsulRegistrationService,
  ],
})
export class WorkerModule {}
