import { randomUUID } from 'node:crypto';
import { ApiError, CLOCK, type Clock, type NotificationRecord } from '@mesh/service-kit';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DeliveryWorker } from './delivery-worker';
import { type DeliveryAttempt, NOTIFICATION_REPOSITORY, type NotificationRepository } from './notification.repository';
import type { NotificationBody } from './notification.schemas';

export type NotificationDetail = NotificationRecord & { deliveries: DeliveryAttempt[] };

@Injectable()
export class NotificationService {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly repository: NotificationRepository,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Stores the notification as queued and hands it to the worker; a repeated idempotency key returns the first one. */
  async accept(body: NotificationBody, idempotencyKey: string | undefined): Promise<{ record: NotificationRecord; created: boolean }> {
    const record: NotificationRecord = { id: randomUUID(), ...body, status: 'queued', createdAt: this.clock.now().toISOString() };
    const stored = await this.repository.insert(record, idempotencyKey);
    if (stored.created) this.worker.enqueue(record.id);
    return stored;
  }

  listByUser(userId: string): Promise<NotificationRecord[]> {
    return this.repository.listByUser(userId);
  }

  async detail(id: string, userId: string): Promise<NotificationDetail> {
    const record = await this.repository.find(id);
    if (!record || record.userId !== userId) throw new ApiError(HttpStatus.NOT_FOUND, 'NOTIFICATION_NOT_FOUND', `You have no notification ${id}.`);
    return { ...record, deliveries: await this.repository.attempts(id) };
  }
}
