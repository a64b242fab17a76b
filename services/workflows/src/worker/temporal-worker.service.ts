import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { createOnboardingActivities } from '../activities/onboarding.activities';
import { ServiceClient } from '../http/service-client';
import { WorkflowMetrics } from '../metrics/workflow-metrics';
import { loadWorkflowBundle } from './workflow-bundle';
import { WORKER_CONFIG } from './worker.tokens';
import type { WorkerConfig } from './worker-config';

/**
 * Runs the Temporal worker inside Nest's lifecycle: it starts polling once the application
 * has bootstrapped, and on shutdown it stops polling, lets running activities finish (up to
 * the grace time) and only then lets Nest close.
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TemporalWorkerService.name);
  private connection: NativeConnection | undefined;
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: WorkflowMetrics,
  ) {}

  get state(): State | 'STARTING' | 'FAILED' {
    if (this.failure) return 'FAILED';
    return this.worker?.getState() ?? 'STARTING';
  }

  get failureReason(): string | undefined {
    return this.failure?.message;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this;
    this.connection = await NativeConnection.connect({ address: config.temporalAddress });
    const client = new ServiceClient({ outboundHost: config.outboundHost, outboundPort: config.outboundPort });
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      workflowBundle: await loadWorkflowBundle(),
      activities: createOnboardingActivities(client),
      interceptors: { activity: [this.metrics.activityInterceptor()] },
      sinks: this.metrics.sinks(),
      shutdownGraceTime: config.shutdownGraceMs,
      identity: config.serviceId,
    });
    this.running = this.worker.run().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.logger.error(`worker stopped: ${this.failure.message}`);
      // Without a worker this process is useless: let the supervisor see it go.
      process.kill(process.pid, 'SIGTERM');
    });
    this.logger.log(`polling task queue ${config.taskQueue} on ${config.temporalAddress} (namespace ${config.temporalNamespace})`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.connection?.close();
    this.logger.log('worker stopped');
  }
}
