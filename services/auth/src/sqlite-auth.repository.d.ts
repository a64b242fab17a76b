import { SqliteDatabase } from '@mesh/service-kit';
import { type AuthRepository, type MagicLink, type RedeemOutcome, type Session, type UserAccount } from './auth.repository';
export interface UserRow {
    id: string;
    email: string;
    password_hash: string;
    created_at: string;
}
export interface SessionRow {
    id: string;
    user_id: string;
    method: Session['method'];
    created_at: string;
    expires_at: string;
    revoked_at: string | null;
}
export declare const toUser: (row: UserRow) => UserAccount;
export declare const toSession: (row: SessionRow) => Session;
export declare class SqliteAuthRepository implements AuthRepository {
    private readonly db;
    constructor(db: SqliteDatabase);
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
//# sourceMappingURL=sqlite-auth.repository.d.ts.map