import { PostgresDatabase } from '@mesh/service-kit';
import { type AuthRepository, type MagicLink, type RedeemOutcome, type Session, type UserAccount } from './auth.repository';
/** The same tables as SqliteAuthRepository, shared by every instance through PostgreSQL. */
export declare class PostgresAuthRepository implements AuthRepository {
    private readonly db;
    constructor(db: PostgresDatabase);
    createUser(user: UserAccount): Promise<void>;
    findUserByEmail(email: string): Promise<UserAccount | undefined>;
    findUserById(id: string): Promise<UserAccount | undefined>;
    createSession(session: Session): Promise<void>;
    findSession(id: string): Promise<Session | undefined>;
    listSessions(userId: string): Promise<Session[]>;
    revokeSession(id: string, at: string): Promise<boolean>;
    createMagicLink(link: MagicLink): Promise<void>;
    redeemMagicLink(tokenHash: string, now: string, session: Omit<Session, 'userId'>): Promise<RedeemOutcome>;
}
//# sourceMappingURL=postgres-auth.repository.d.ts.map