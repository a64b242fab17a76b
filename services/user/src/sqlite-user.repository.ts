import { type DecisionRecord, SqliteDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { KnownDecision, Profile, UserRepository } from './user.repository';

export interface ProfileRow {
  user_id: string;
  email: string;
  name: string | null;
  address: string | null;
  contact: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export function toProfile(row: ProfileRow): Profile {
  return {
    userId: row.user_id,
    email: row.email,
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.address !== null ? { address: row.address } : {}),
    ...(row.contact !== null ? { contact: row.contact } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.completed_at !== null ? { completedAt: row.completed_at } : {}),
  };
}

@Injectable()
export class SqliteUserRepository implements UserRepository {
  constructor(@Inject(SqliteDatabase) private readonly db: SqliteDatabase) {}

  async createProfile(profile: Profile): Promise<boolean> {
    const { changes } = this.db.run(
      'INSERT INTO profiles (user_id, email, name, address, contact, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING',
      [profile.userId, profile.email, profile.name ?? null, profile.address ?? null, profile.contact ?? null, profile.createdAt, profile.updatedAt],
    );
    return changes === 1;
  }

  async findProfile(userId: string): Promise<Profile | undefined> {
    const row = this.db.get<ProfileRow>('SELECT * FROM profiles WHERE user_id = ?', [userId]);
    return row && toProfile(row);
  }

  async completeProfile(userId: string, fields: { name: string; address: string; contact: string }, at: string): Promise<void> {
    this.db.run('UPDATE profiles SET name = ?, address = ?, contact = ?, updated_at = ?, completed_at = COALESCE(completed_at, ?) WHERE user_id = ?', [fields.name, fields.address, fields.contact, at, at, userId]);
  }

  async rememberDecision(userId: string, known: KnownDecision): Promise<void> {
    this.db.run(
      'INSERT INTO last_known_decisions (user_id, record, fetched_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET record = excluded.record, fetched_at = excluded.fetched_at',
      [userId, JSON.stringify(known.record), known.fetchedAt],
    );
  }

  async lastKnownDecision(userId: string): Promise<KnownDecision | undefined> {
    const row = this.db.get<{ record: string; fetched_at: string }>('SELECT record, fetched_at FROM last_known_decisions WHERE user_id = ?', [userId]);
    return row && { record: JSON.parse(row.record) as DecisionRecord, fetchedAt: row.fetched_at };
  }
}
