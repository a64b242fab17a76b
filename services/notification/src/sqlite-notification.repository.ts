import { type NotificationChannel, type NotificationRecord, type NotificationRequest, SqliteDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryAttempt, NotificationRepository } from './notification.repository';

export interface NotificationRow {
  id: string;
  user_id: string;
  channel: NotificationChannel;
  template: NotificationRequest['template'];
  data: string;
  status: NotificationRecord['status'];
  created_at: string;
  delivered_at: string | null;
}

export interface DeliveryRow {
  attempt: number;
  channel: NotificationChannel;
  outcome: DeliveryAttempt['outcome'];
  recipient: string;
  message: string;
  error: string | null;
  latency_ms: number;
  at: string;
}

export function toRecord(row: NotificationRow): NotificationRecord {
  const data = JSON.parse(row.data) as Record<string, string>;
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    template: row.template,
    ...(Object.keys(data).length > 0 ? { data } : {}),
    status: row.status,
    createdAt: row.created_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
  };
}

export function toAttempt(row: DeliveryRow): DeliveryAttempt {
  return {
    attempt: row.attempt,
    channel: row.channel,
    outcome: row.outcome,
    recipient: row.recipient,
    message: row.message,
    ...(row.error !== null ? { error: row.error } : {}),
    latencyMs: row.latency_ms,
    at: row.at,
  };
}

@Injectable()
export class SqliteNotificationRepository implements NotificationRepository {
  constructor(@Inject(SqliteDatabase) private readonly db: SqliteDatabase) {}

  async insert(record: NotificationRecord, idempotencyKey: string | undefined): Promise<{ record: NotificationRecord; created: boolean }> {
    return this.db.transaction(() => {
      if (idempotencyKey !== undefined) {
        const existing = this.db.get<NotificationRow>('SELECT * FROM notifications WHERE idempotency_key = ?', [idempotencyKey]);
        if (existing) return { record: toRecord(existing), created: false };
      }
      this.db.run('INSERT INTO notifications (id, user_id, channel, template, data, status, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        record.id,
        record.userId,
        record.channel,
        record.template,
        JSON.stringify(record.data ?? {}),
        record.status,
        idempotencyKey ?? null,
        record.createdAt,
      ]);
      return { record, created: true };
    });
  }

  async find(id: string): Promise<NotificationRecord | undefined> {
    const row = this.db.get<NotificationRow>('SELECT * FROM notifications WHERE id = ?', [id]);
    return row && toRecord(row);
  }

  async listByUser(userId: string): Promise<NotificationRecord[]> {
    return this.db.all<NotificationRow>('SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at, id', [userId]).map(toRecord);
  }

  async listQueued(): Promise<NotificationRecord[]> {
    return this.db.all<NotificationRow>("SELECT * FROM notifications WHERE status = 'queued' ORDER BY created_at, id").map(toRecord);
  }

  async recordAttempt(id: string, a: DeliveryAttempt, final: 'delivered' | 'failed' | undefined): Promise<void> {
    this.db.transaction(() => {
      this.db.run('INSERT INTO deliveries (notification_id, attempt, channel, outcome, recipient, message, error, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
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
      if (final === 'delivered') this.db.run("UPDATE notifications SET status = 'delivered', delivered_at = ? WHERE id = ?", [a.at, id]);
      if (final === 'failed') this.db.run("UPDATE notifications SET status = 'failed' WHERE id = ?", [id]);
    });
  }

  async attempts(id: string): Promise<DeliveryAttempt[]> {
    return this.db.all<DeliveryRow>('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY seq', [id]).map(toAttempt);
  }
}
