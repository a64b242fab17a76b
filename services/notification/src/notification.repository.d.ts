import type { NotificationChannel, NotificationRecord } from '@mesh/service-kit';
export interface DeliveryAttempt {
    attempt: number;
    channel: NotificationChannel;
    outcome: 'delivered' | 'failed';
    recipient: string;
    message: string;
    error?: string;
    latencyMs: number;
    at: string;
}
/** notification-service's storage: each notification and every delivery attempt made for it. */
export interface NotificationRepository {
    /** Inserts unless the idempotency key is known; returns the stored record and whether it is new. */
    insert(record: NotificationRecord, idempotencyKey: string | undefined): Promise<{
        record: NotificationRecord;
        created: boolean;
    }>;
    find(id: string): Promise<NotificationRecord | undefined>;
    listByUser(userId: string): Promise<NotificationRecord[]>;
    listQueued(): Promise<NotificationRecord[]>;
    /** Records one attempt; `final` sets the notification's status. */
    recordAttempt(id: string, attempt: DeliveryAttempt, final: 'delivered' | 'failed' | undefined): Promise<void>;
    attempts(id: string): Promise<DeliveryAttempt[]>;
}
export declare const NOTIFICATION_REPOSITORY: unique symbol;
//# sourceMappingURL=notification.repository.d.ts.map