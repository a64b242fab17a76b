import { PostgresDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { type AuthRepository, EmailTakenError, type MagicLink, type RedeemOutcome, type Session, type UserAccount } from './auth.repository';
import { toSession, toUser, type SessionRow, type UserRow } from './sqlite-auth.repository';

const UNIQUE_VIOLATION = '23505';

/** The same tables as SqliteAuthRepository, shared by every instance through PostgreSQL. */
@Injectable()
export class PostgresAuthRepository implements AuthRepository {
  constructor(@Inject(PostgresDatabase) private readonly db: PostgresDatabase) {}

  async createUser(user: UserAccount): Promise<void> {
    try {
      await this.db.run('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)', [user.id, user.email, user.passwordHash, user.createdAt]);
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError.code === UNIQUE_VIOLATION && pgError.constraint === 'users_email_key') throw new EmailTakenError(user.email);
      throw error;
    }
  }

  async findUserByEmail(email: string): Promise<UserAccount | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE email = ?', [email]);
    return row && toUser(row);
  }

  async findUserById(id: string): Promise<UserAccount | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row && toUser(row);
  }

  async createSession(session: Session): Promise<void> {
    await this.db.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      session.id,
      session.userId,
      session.method,
      session.createdAt,
      session.expiresAt,
    ]);
  }

  async findSession(id: string): Promise<Session | undefined> {
    const row = await this.db.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', [id]);
    return row && toSession(row);
  }

  async listSessions(userId: string): Promise<Session[]> {
    return (await this.db.all<SessionRow>('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC', [userId])).map(toSession);
  }

  async revokeSession(id: string, at: string): Promise<boolean> {
    return (await this.db.run('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])).changes === 1;
  }

  async createMagicLink(link: MagicLink): Promise<void> {
    await this.db.run('INSERT INTO magic_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [link.tokenHash, link.userId, link.createdAt, link.expiresAt]);
  }

  async redeemMagicLink(tokenHash: string, now: string, session: Omit<Session, 'userId'>): Promise<RedeemOutcome> {
    return this.db.transaction(async (tx): Promise<RedeemOutcome> => {
      // FOR UPDATE: two replicas redeeming the same link at once serialise here, and one sees it used.
      const link = await tx.get<{ user_id: string; expires_at: string; redeemed_at: string | null }>(
        'SELECT user_id, expires_at, redeemed_at FROM magic_links WHERE token_hash = ? FOR UPDATE',
        [tokenHash],
      );
      if (!link) return { redeemed: false, reason: 'unknown' };
      if (link.redeemed_at !== null) return { redeemed: false, reason: 'used' };
      if (link.expires_at <= now) return { redeemed: false, reason: 'expired' };
      await tx.run('UPDATE magic_links SET redeemed_at = ? WHERE token_hash = ? AND redeemed_at IS NULL', [now, tokenHash]);
      const opened: Session = { ...session, userId: link.user_id };
      await tx.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [opened.id, opened.userId, opened.method, opened.createdAt, opened.expiresAt]);
      const row = await tx.get<UserRow>('SELECT * FROM users WHERE id = ?', [link.user_id]);
      const user = row && toUser(row);
      if (!user) throw new Error(`magic link ${tokenHash.slice(0, 8)}… points at a missing user ${link.user_id}`);
      return { redeemed: true, session: opened, user };
    });
  }
}
