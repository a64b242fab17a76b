"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PostgresNotificationRepository = void 0;
const service_kit_1 = require("@mesh/service-kit");
const common_1 = require("@nestjs/common");
const sqlite_notification_repository_1 = require("./sqlite-notification.repository");
/** The same tables as SqliteNotificationRepository, shared by every instance through PostgreSQL. */
let PostgresNotificationRepository = class PostgresNotificationRepository {
    db;
    constructor(db) {
        this.db = db;
    }
    async insert(record, idempotencyKey) {
        // ON CONFLICT, not read-then-insert: two replicas may get the same retried request at once.
        const { changes } = await this.db.run('INSERT INTO notifications (id, user_id, channel, template, data, status, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING', [record.id, record.userId, record.channel, record.template, JSON.stringify(record.data ?? {}), record.status, idempotencyKey ?? null, record.createdAt]);
        if (changes === 1 || idempotencyKey === undefined)
            return { record, created: true };
        const existing = await this.db.get('SELECT * FROM notifications WHERE idempotency_key = ?', [idempotencyKey]);
        if (!existing)
            throw new Error(`notification with idempotency key ${idempotencyKey} conflicted but is not there`);
        return { record: (0, sqlite_notification_repository_1.toRecord)(existing), created: false };
    }
    async find(id) {
        const row = await this.db.get('SELECT * FROM notifications WHERE id = ?', [id]);
        return row && (0, sqlite_notification_repository_1.toRecord)(row);
    }
    async listByUser(userId) {
        return (await this.db.all('SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at, id', [userId])).map(sqlite_notification_repository_1.toRecord);
    }
    async listQueued() {
        return (await this.db.all("SELECT * FROM notifications WHERE status = 'queued' ORDER BY created_at, id")).map(sqlite_notification_repository_1.toRecord);
    }
    async recordAttempt(id, a, final) {
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
            if (final === 'delivered')
                await tx.run("UPDATE notifications SET status = 'delivered', delivered_at = ? WHERE id = ?", [a.at, id]);
            if (final === 'failed')
                await tx.run("UPDATE notifications SET status = 'failed' WHERE id = ?", [id]);
        });
    }
    async attempts(id) {
        return (await this.db.all('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY seq', [id])).map(sqlite_notification_repository_1.toAttempt);
    }
};
exports.PostgresNotificationRepository = PostgresNotificationRepository;
exports.PostgresNotificationRepository = PostgresNotificationRepository = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(service_kit_1.PostgresDatabase)),
    __metadata("design:paramtypes", [service_kit_1.PostgresDatabase])
], PostgresNotificationRepository);
//# sourceMappingURL=postgres-notification.repository.js.map