import type { Migrations } from '@mesh/service-kit';

export const USER_MIGRATIONS: Migrations = [
  `CREATE TABLE profiles (
     user_id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     name TEXT,
     address TEXT,
     contact TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     completed_at TEXT
   );
   CREATE TABLE last_known_decisions (
     user_id TEXT PRIMARY KEY,
     record TEXT NOT NULL,
     fetched_at TEXT NOT NULL
   );`,
];
