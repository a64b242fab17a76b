import { type NotificationChannel, type NotificationRecord, type NotificationRequest, SqliteDatabase } from '@mesh/service-kit';
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
export declare function toRecord(row: NotificationRow): NotificationRecord;
export declare function toAttempt(row: DeliveryRow): DeliveryAttempt;
export declare class SqliteNotificationRepository implements NotificationRepository {
    private readonly db;
    constructor(db: SqliteDatabase);
    insert(record: NotificationRecord, idempotencyKey: string | undefined): Promise<{
        record: NotificationRecord;
        created: boolean;
    }>;
    find(id: string): Promise<NotificationRecord | undefined>;
    listByUser(userId: string): Promise<NotificationRecord[]>;
    listQueued(): Promise<NotificationRecord[]>;
    recordAttempt(id: string, a: DeliveryAttempt, final: 'delivered' | 'failed' | undefined): Promise<void>;
    attempts(id: string): Promise<DeliveryAttempt[]>;
}
//# sourceMappingURL=sqlite-notification.repository.d.ts.map