import { type DecisionRecord, PostgresDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { KnownDecision, Profile, UserRepository } from './user.repository';
import { toProfile, type ProfileRow } from './sqlite-user.repository';

/** The same tables as SqliteUserRepository, shared by every instance through PostgreSQL. */
@Injectable()
export class PostgresUserRepository implements UserRepository {
  constructor(@Inject(PostgresDatabase) private readonly db: PostgresDatabase) {}

  async createProfile(profile: Profile): Promise<boolean> {
    const { changes } = await this.db.run(
      'INSERT INTO profiles (user_id, email, name, address, contact, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING',
      [profile.userId, profile.email, profile.name ?? null, profile.address ?? null, profile.contact ?? null, profile.createdAt, profile.updatedAt],
    );
    return changes === 1;
  }

  async findProfile(userId: string): Promise<Profile | undefined> {
    const row = await this.db.get<ProfileRow>('SELECT * FROM profiles WHERE user_id = ?', [userId]);
    return row && toProfile(row);
  }

  async completeProfile(userId: string, fields: { name: string; address: string; contact: string }, at: string): Promise<void> {
    await this.db.run('UPDATE profiles SET name = ?, address = ?, contact = ?, updated_at = ?, completed_at = COALESCE(completed_at, ?) WHERE user_id = ?', [
      fields.name,
      fields.address,
      fields.contact,
      at,
      at,
      userId,
    ]);
  }

  async rememberDecision(userId: string, known: KnownDecision): Promise<void> {
    await this.db.run(
      'INSERT INTO last_known_decisions (user_id, record, fetched_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET record = excluded.record, fetched_at = excluded.fetched_at',
      [userId, JSON.stringify(known.record), known.fetchedAt],
    );
  }

  async lastKnownDecision(userId: string): Promise<KnownDecision | undefined> {
    const row = await this.db.get<{ record: string; fetched_at: string }>('SELECT record, fetched_at FROM last_known_decisions WHERE user_id = ?', [userId]);
    return row && { record: JSON.parse(row.record) as DecisionRecord, fetchedAt: row.fetched_at };
  }
}
