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
exports.SqliteNotificationRepository = void 0;
exports.toRecord = toRecord;
exports.toAttempt = toAttempt;
const service_kit_1 = require("@mesh/service-kit");
const common_1 = require("@nestjs/common");
function toRecord(row) {
    const data = JSON.parse(row.data);
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
function toAttempt(row) {
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
let SqliteNotificationRepository = class SqliteNotificationRepository {
    db;
    constructor(db) {
        this.db = db;
    }
    async insert(record, idempotencyKey) {
        return this.db.transaction(() => {
            if (idempotencyKey !== undefined) {
                const existing = this.db.get('SELECT * FROM notifications WHERE idempotency_key = ?', [idempotencyKey]);
                if (existing)
                    return { record: toRecord(existing), created: false };
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
    async find(id) {
        const row = this.db.get('SELECT * FROM notifications WHERE id = ?', [id]);
        return row && toRecord(row);
    }
    async listByUser(userId) {
        return this.db.all('SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at, id', [userId]).map(toRecord);
    }
    async listQueued() {
        return this.db.all("SELECT * FROM notifications WHERE status = 'queued' ORDER BY created_at, id").map(toRecord);
    }
    async recordAttempt(id, a, final) {
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
            if (final === 'delivered')
                this.db.run("UPDATE notifications SET status = 'delivered', delivered_at = ? WHERE id = ?", [a.at, id]);
            if (final === 'failed')
                this.db.run("UPDATE notifications SET status = 'failed' WHERE id = ?", [id]);
        });
    }
    async attempts(id) {
        return this.db.all('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY seq', [id]).map(toAttempt);
    }
};
exports.SqliteNotificationRepository = SqliteNotificationRepository;
exports.SqliteNotificationRepository = SqliteNotificationRepository = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(service_kit_1.SqliteDatabase)),
    __metadata("design:paramtypes", [service_kit_1.SqliteDatabase])
], SqliteNotificationRepository);
//# sourceMappingURL=sqlite-notification.repository.js.map