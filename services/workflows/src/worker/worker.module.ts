import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule, type ServiceKit } from '@mesh/service-kit';
import { WorkflowMetrics } from '../metrics/workflow-metrics';
import { TemporalWorkerService } from './temporal-worker.service';
import { workerSettings, type WorkerSettings } from './worker-config';
import { WORKER_SETTINGS } from './worker.tokens';

/** The worker app: the kit's /health, /metrics, Consul registration and sidecar client, plus the Temporal worker. */
@Module({})
export class WorkerModule {
  static forRoot(kit: ServiceKit, settings: WorkerSettings = workerSettings()): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ServiceKitModule.forRoot(kit)],
      providers: [
        { provide: WORKER_SETTINGS, useValue: settings },
        { provide: WorkflowMetrics, useValue: new WorkflowMetrics(kit.metrics.registry) },
        TemporalWorkerService,
      ],
    };
  }
}
