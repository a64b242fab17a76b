import { type NotificationRecord, PostgresDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryAttempt, NotificationRepository } from './notification.repository';
import { toAttempt, toRecord, type DeliveryRow, type NotificationRow } from './sqlite-notification.repository';

/** The same tables as SqliteNotificationRepository, shared by every instance through PostgreSQL. */
@Injectable()
export class PostgresNotificationRepository implements NotificationRepository {
  constructor(@Inject(PostgresDatabase) private readonly db: PostgresDatabase) {}

  async insert(record: NotificationRecord, idempotencyKey: string | undefined): Promise<{ record: NotificationRecord; created: boolean }> {
    // ON CONFLICT, not read-then-insert: two replicas may get the same retried request at once.
    const { changes } = await this.db.run(
      'INSERT INTO notifications (id, user_id, channel, template, data, status, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING',
      [record.id, record.userId, record.channel, record.template, JSON.stringify(record.data ?? {}), record.status, idempotencyKey ?? null, record.createdAt],
    );
    if (changes === 1 || idempotencyKey === undefined) return { record, created: true };
    const existing = await this.db.get<NotificationRow>('SELECT * FROM notifications WHERE idempotency_key = ?', [idempotencyKey]);
    if (!existing) throw new Error(`notification with idempotency key ${idempotencyKey} conflicted but is not there`);
    return { record: toRecord(existing), created: false };
  }

  async find(id: string): Promise<NotificationRecord | undefined> {
    const row = await this.db.get<NotificationRow>('SELECT * FROM notifications WHERE id = ?', [id]);
    return row && toRecord(row);
  }

  async listByUser(userId: string): Promise<NotificationRecord[]> {
    return (await this.db.all<NotificationRow>('SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at, id', [userId])).map(toRecord);
  }

  async listQueued(): Promise<NotificationRecord[]> {
    return (await this.db.all<NotificationRow>("SELECT * FROM notifications WHERE status = 'queued' ORDER BY created_at, id")).map(toRecord);
  }

  async recordAttempt(id: string, a: DeliveryAttempt, final: 'delivered' | 'failed' | undefined): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO deliveries (notification_id, attempt, channel, outcome, recipient, message, error, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id,
        a.attempt,
        a.channel,
        a.outcome,
        a.recipient,
        a.message,
        a.error ?? null,
        a.latencyMs,
        a.at,
      ]);
      if (final === 'delivered') await tx.run("UPDATE notifications SET status = 'delivered', delivered_at = ? WHERE id = ?", [a.at, id]);
      if (final === 'failed') await tx.run("UPDATE notifications SET status = 'failed' WHERE id = ?", [id]);
    });
  }

  async attempts(id: string): Promise<DeliveryAttempt[]> {
    return (await this.db.all<DeliveryRow>('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY seq', [id])).map(toAttempt);
  }
}
