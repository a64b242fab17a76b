"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NOTIFICATION_MIGRATIONS = void 0;
exports.NOTIFICATION_MIGRATIONS = [
    `CREATE TABLE notifications (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
     template TEXT NOT NULL,
     data TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
     idempotency_key TEXT UNIQUE,
     created_at TEXT NOT NULL,
     delivered_at TEXT
   );
   CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
   CREATE INDEX notifications_by_status ON notifications (status);
   CREATE TABLE deliveries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     notification_id TEXT NOT NULL REFERENCES notifications(id),
     attempt INTEGER NOT NULL,
     channel TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed')),
     recipient TEXT NOT NULL,
     message TEXT NOT NULL,
     error TEXT,
     latency_ms INTEGER NOT NULL,
     at TEXT NOT NULL
   );`,
];
//# sourceMappingURL=notification.migrations.js.map