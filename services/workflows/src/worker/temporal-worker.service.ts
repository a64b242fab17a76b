import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { currentTelemetry, HealthChecks, LOGGER, UpstreamClient, WORKFLOW } from '@mesh/service-kit';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry-v2';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type State } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createOnboardingActivities } from '../activities/onboarding.activities';
import { WorkflowMetrics } from '../metrics/workflow-metrics';
import { loadWorkflowBundle } from './workflow-bundle';
import { WORKER_SETTINGS } from './worker.tokens';
import type { WorkerSettings } from './worker-config';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(address: string, timeoutMs: number, cause: unknown) {
    super(
      `could not reach Temporal at ${address} within ${timeoutMs} ms (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Start it (`mesh up` does) or point TEMPORAL_ADDRESS at it.',
    );
  }
}

/**
 * Runs the Temporal worker inside Nest's lifecycle: it starts polling once the application
 * has bootstrapped; on shutdown (after the kit has left Consul) it stops polling, lets
 * running activities finish within the grace time, and awaits run() before Nest closes.
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private connection: NativeConnection | undefined;
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private stopping = false;

  constructor(
    @Inject(WORKER_SETTINGS) private readonly settings: WorkerSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(UpstreamClient) private readonly upstream: UpstreamClient,
    @Inject(HealthChecks) health: HealthChecks,
    @Inject(WorkflowMetrics) private readonly metrics: WorkflowMetrics,
  ) {
    health.add('temporal-worker', () => {
      if (this.state !== 'RUNNING') throw new Error(`worker is ${this.state}${this.failure ? `: ${this.failure.message}` : ''}`);
    });
  }

  get state(): State | 'STARTING' | 'FAILED' {
    if (this.failure) return 'FAILED';
    return this.worker?.getState() ?? 'STARTING';
  }

  async onApplicationBootstrap(): Promise<void> {
    const { settings } = this;
    // The app owns SIGINT/SIGTERM (Nest's shutdown hooks), not the Temporal runtime; its logs go to pino.
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger('INFO', (entry) => this.logger[PINO_LEVEL[entry.level]]({ temporal: entry.meta }, entry.message)),
    });
    this.connection = await this.connect();
    const telemetry = currentTelemetry();
    const activities = createOnboardingActivities(this.upstream);
    this.metrics.seed(Object.values(WORKFLOW), Object.keys(activities));
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: settings.temporalNamespace,
      taskQueue: settings.taskQueue,
      workflowBundle: await loadWorkflowBundle(),
      activities,
      interceptors: {
        activity: [
          // Each attempt is a span under the workflow's StartActivity span (from the task's
          // headers); the activity's HTTP calls through Envoy are its children.
          (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
          this.metrics.activityInterceptor(),
        ],
      },
      sinks: {
        ...this.metrics.sinks(),
        // Workflow code cannot export: its spans leave the sandbox through this sink, to this process's exporter.
        exporter: makeWorkflowExporter(telemetry.spanProcessor, telemetry.resource),
      },
      shutdownGraceTime: settings.shutdownGraceMs,
      // A crashed worker's sticky queue holds its workflows' next tasks until this passes; the
      // default 10 s is most of the recovery time after a crash, a full replay costs little here.
      stickyQueueScheduleToStartTimeout: settings.stickyScheduleToStartMs,
    });
    this.running = this.worker.run().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
      // While shutting down, a run that ends in an error (a task cut off by the grace time) is
      // part of stopping: a second SIGTERM now would kill the process before the hooks finish.
      if (this.stopping) return this.logger.warn({ err: this.failure }, 'the Temporal worker ended with an error while stopping');
      this.logger.fatal({ err: this.failure }, 'the Temporal worker stopped; shutting down');
      // Without its worker this process is useless: let the supervisor see it go.
      process.kill(process.pid, 'SIGTERM');
    });
    this.logger.info({ taskQueue: settings.taskQueue, temporal: settings.temporalAddress, namespace: settings.temporalNamespace }, 'polling the task queue');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    // Said as soon as it is true: the run has ended, before the connection's close (~50 ms), in
    // which a process being stopped can be cut short.
    this.logger.info('the Temporal worker has stopped');
    // A failed close must not skip the rest.
    await this.connection?.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the Temporal connection failed'));
    // Nest re-raises the signal right after the shutdown hooks: get the last lines out first.
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
  }

  /** Temporal may still be starting (mesh up, a restart): retry with backoff up to the connect timeout. */
  private async connect(): Promise<NativeConnection> {
    const { temporalAddress, connectTimeoutMs } = this.settings;
    const deadline = Date.now() + connectTimeoutMs;
    let delay = 200;
    for (;;) {
      try {
        return await NativeConnection.connect({ address: temporalAddress });
      } catch (error) {
        if (Date.now() + delay > deadline) throw new TemporalUnreachableError(temporalAddress, connectTimeoutMs, error);
        this.logger.warn({ err: error, retryInMs: delay }, 'Temporal is not reachable yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
}
