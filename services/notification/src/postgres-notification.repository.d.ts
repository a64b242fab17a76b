import { type NotificationRecord, PostgresDatabase } from '@mesh/service-kit';
import type { DeliveryAttempt, NotificationRepository } from './notification.repository';
/** The same tables as SqliteNotificationRepository, shared by every instance through PostgreSQL. */
export declare class PostgresNotificationRepository implements NotificationRepository {
    private readonly db;
    constructor(db: PostgresDatabase);
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
//# sourceMappingURL=postgres-notification.repository.d.ts.map