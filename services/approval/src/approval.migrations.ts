import type { Migrations } from '@mesh/service-kit';

export const APPROVAL_MIGRATIONS: Migrations = [
  `CREATE TABLE decisions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id TEXT NOT NULL,
     decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
     credit_score INTEGER NOT NULL,
     reasons TEXT NOT NULL,
     decided_at TEXT NOT NULL
   );
   CREATE INDEX decisions_by_user ON decisions (user_id, seq);
   CREATE TABLE credit_checks (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('scored', 'unavailable')),
     score INTEGER,
     latency_ms INTEGER NOT NULL,
     checked_at TEXT NOT NULL
   );`,
];
