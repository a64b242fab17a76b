import { setTimeout as sleep } from 'node:timers/promises';
import { CLOCK, type Clock, LOGGER, type NotificationRecord, ServiceMetrics } from '@mesh/service-kit';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Histogram } from 'prom-client';
import { NOTIFICATION_SETTINGS, type NotificationSettings, RANDOM_SOURCE, type RandomSource } from './notification-settings';
import { NOTIFICATION_REPOSITORY, type NotificationRepository } from './notification.repository';
import { render } from './templates';

const CONCURRENCY = 4;

/**
 * The in-process delivery worker: takes queued notifications (also those left queued by a
 * restart), sends each over its simulated channel with retries, and records every attempt.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly queue: string[] = [];
  private readonly active = new Set<Promise<void>>();
  private stopped = false;
  private readonly attempts: Counter<'channel' | 'outcome'>;
  private readonly latency: Histogram<'channel'>;

  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly repository: NotificationRepository,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.attempts = new Counter({ name: 'notification_delivery_attempts_total', help: 'Delivery attempts by channel and outcome', labelNames: ['channel', 'outcome'], registers: [metrics.registry] });
    this.latency = new Histogram({
      name: 'notification_delivery_seconds',
      help: 'Time from queueing to final delivery, by channel',
      labelNames: ['channel'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const record of await this.repository.listQueued()) this.enqueue(record.id);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  enqueue(id: string): void {
    this.queue.push(id);
    this.pump();
  }

  /** Resolves once nothing is queued or in flight (tests use it instead of polling). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all(this.active);
  }

  private pump(): void {
    while (!this.stopped && this.active.size < CONCURRENCY && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const job: Promise<void> = this.deliver(id)
        .catch((error: unknown) => this.logger.error({ err: error, notificationId: id }, 'delivery crashed; the notification stays queued until the next restart'))
        .finally(() => {
          this.active.delete(job);
          this.pump();
        });
      this.active.add(job);
    }
  }

  private async deliver(id: string): Promise<void> {
    const record = await this.repository.find(id);
    if (!record || record.status !== 'queued') return;
    const { recipient, message } = render(record);
    const done = (await this.repository.attempts(id)).length;
    for (let attempt = done + 1; attempt <= this.settings.maxAttempts; attempt++) {
      const started = Date.now();
      const error = await this.send(record);
      const latencyMs = Date.now() - started;
      const last = attempt === this.settings.maxAttempts;
      const outcome = error === undefined ? 'delivered' : 'failed';
      await this.repository.recordAttempt(id, { attempt, channel: record.channel, outcome, recipient, message, ...(error ? { error } : {}), latencyMs, at: this.clock.now().toISOString() }, outcome === 'delivered' ? 'delivered' : last ? 'failed' : undefined);
      this.attempts.inc({ channel: record.channel, outcome });
      if (outcome === 'delivered') {
        this.latency.observe({ channel: record.channel }, Math.max(0, (this.clock.now().getTime() - Date.parse(record.createdAt)) / 1000));
        this.logger.info({ notificationId: id, userId: record.userId, channel: record.channel, template: record.template, attempt }, 'notification delivered');
        return;
      }
      if (last || this.stopped) break;
      const delay = this.settings.retryMs * 2 ** (attempt - 1);
      if (delay > 0) await sleep(delay);
    }
    this.logger.warn({ notificationId: id, userId: record.userId, channel: record.channel }, 'notification not delivered');
  }

  /** The simulated provider: some latency, sometimes an error. */
  private async send(record: NotificationRecord): Promise<string | undefined> {
    const { min, max } = this.settings.latencyMs;
    const ms = Math.round(min + this.random.next() * (max - min));
    if (ms > 0) await sleep(ms);
    if (this.random.next() < this.settings.failureRate) return `simulated ${record.channel} provider error`;
    return undefined;
  }
}
