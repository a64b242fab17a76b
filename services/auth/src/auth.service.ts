import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError, CLOCK, type Clock, JwtCodec } from '@mesh/service-kit';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AUTH_SETTINGS, type AuthSettings } from './auth-settings';
import { AUTH_REPOSITORY, type AuthRepository, EmailTakenError, type Session, type SessionMethod, type UserAccount } from './auth.repository';
import type { Credentials, LoginRequest } from './auth.schemas';
import { PasswordHasher } from './password-hasher';

export interface AccountView {
  userId: string;
  email: string;
  createdAt: string;
}

export interface TokenGrant {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: string;
  sessionId: string;
  userId: string;
}

export interface MagicLinkIssued {
  /** Returned here because e-mail delivery is simulated in the demo. */
  token: string;
  expiresAt: string;
  delivery: 'simulated';
}

export type SessionView = Omit<Session, 'userId'> & { active: boolean };

/** A real hash to compare against when the e-mail is unknown, so both failures take as long. */
const DECOY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$oxF++mXEgSTWBCx44en6Ag$czuLVgSsf/4K8rKew0DVEr1ugWw4jEjym48amfYqdKg';

@Injectable()
export class AuthService {
  constructor(
    @Inject(AUTH_REPOSITORY) private readonly repository: AuthRepository,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(JwtCodec) private readonly jwt: JwtCodec,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  async register(credentials: Credentials): Promise<AccountView> {
    if (await this.repository.findUserByEmail(credentials.email)) throw this.emailTaken(credentials.email);
    const user: UserAccount = { id: randomUUID(), email: credentials.email, passwordHash: await this.hasher.hash(credentials.password), createdAt: this.clock.now().toISOString() };
    try {
      await this.repository.createUser(user);
    } catch (error) {
      // Two registrations for one address raced through the check above.
      if (error instanceof EmailTakenError) throw this.emailTaken(credentials.email);
      throw error;
    }
    return { userId: user.id, email: user.email, createdAt: user.createdAt };
  }

  async login(request: LoginRequest): Promise<TokenGrant> {
    const user = await this.repository.findUserByEmail(request.email);
    const matches = await this.hasher.verify(user?.passwordHash ?? DECOY_HASH, request.password);
    if (!user || !matches) throw new ApiError(HttpStatus.UNAUTHORIZED, 'INVALID_CREDENTIALS', 'Unknown e-mail or wrong password.');
    const session = this.newSession('password');
    await this.repository.createSession({ ...session, userId: user.id });
    return this.grant(user, session);
  }

  async issueMagicLink(email: string): Promise<MagicLinkIssued> {
    const user = await this.repository.findUserByEmail(email);
    if (!user) throw new ApiError(HttpStatus.NOT_FOUND, 'UNKNOWN_ACCOUNT', `No account for ${email}; register it with POST /auth/register first.`);
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.settings.magicLinkTtlSeconds * 1000).toISOString();
    await this.repository.createMagicLink({ tokenHash: digest(token), userId: user.id, createdAt: now.toISOString(), expiresAt });
    return { token, expiresAt, delivery: 'simulated' };
  }

  async redeemMagicLink(token: string): Promise<TokenGrant> {
    const session = this.newSession('magic-link');
    const outcome = await this.repository.redeemMagicLink(digest(token), this.clock.now().toISOString(), session);
    if (!outcome.redeemed) {
      switch (outcome.reason) {
        case 'unknown':
          throw new ApiError(HttpStatus.UNAUTHORIZED, 'INVALID_MAGIC_LINK', 'This magic link token is not known; request a new one with POST /auth/magic-links.');
        case 'used':
          throw new ApiError(HttpStatus.GONE, 'MAGIC_LINK_USED', 'This magic link has already been used; each link logs in once. Request a new one.');
        case 'expired':
          throw new ApiError(HttpStatus.GONE, 'MAGIC_LINK_EXPIRED', 'This magic link has expired; request a new one with POST /auth/magic-links.');
      }
    }
    return this.grant(outcome.user, outcome.session);
  }

  /** The caller's session, which must still be open (tokens outlive a logout otherwise). */
  async currentSession(userId: string, sessionId: string): Promise<SessionView> {
    const session = await this.repository.findSession(sessionId);
    if (!session || session.userId !== userId) throw new ApiError(HttpStatus.UNAUTHORIZED, 'UNKNOWN_SESSION', 'The token names a session this service does not know; log in again.');
    const view = this.view(session);
    if (!view.active) throw new ApiError(HttpStatus.UNAUTHORIZED, 'SESSION_ENDED', 'This session was logged out or has expired; log in again.');
    return view;
  }

  async listSessions(userId: string): Promise<SessionView[]> {
    return (await this.repository.listSessions(userId)).map((s) => this.view(s));
  }

  async logout(userId: string, sessionId: string): Promise<void> {
    await this.currentSession(userId, sessionId);
    await this.repository.revokeSession(sessionId, this.clock.now().toISOString());
  }

  private newSession(method: SessionMethod): Omit<Session, 'userId'> {
    const now = this.clock.now();
    return { id: randomUUID(), method, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.settings.tokenTtlSeconds * 1000).toISOString() };
  }

  private async grant(user: UserAccount, session: Omit<Session, 'userId'>): Promise<TokenGrant> {
    const accessToken = await this.jwt.sign({ userId: user.id, email: user.email, sessionId: session.id }, this.settings.tokenTtlSeconds);
    return { accessToken, tokenType: 'Bearer', expiresIn: this.settings.tokenTtlSeconds, expiresAt: session.expiresAt, sessionId: session.id, userId: user.id };
  }

  private view(session: Session): SessionView {
    const { userId: _userId, ...rest } = session;
    return { ...rest, active: session.revokedAt === undefined && session.expiresAt > this.clock.now().toISOString() };
  }

  private emailTaken(email: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, 'EMAIL_TAKEN', `An account for ${email} already exists; log in with POST /auth/login.`);
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
