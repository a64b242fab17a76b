"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AUTH_MIGRATIONS = void 0;
exports.AUTH_MIGRATIONS = [
    `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id),
     method TEXT NOT NULL CHECK (method IN ('password', 'magic-link')),
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     revoked_at TEXT
   );
   CREATE INDEX sessions_by_user ON sessions (user_id);
   CREATE TABLE magic_links (
     token_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id),
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     redeemed_at TEXT
   );`,
];
//# sourceMappingURL=auth.migrations.js.map