export interface UserAccount {
    id: string;
    email: string;
    passwordHash: string;
    createdAt: string;
}
export type SessionMethod = 'password' | 'magic-link';
export interface Session {
    id: string;
    userId: string;
    method: SessionMethod;
    createdAt: string;
    expiresAt: string;
    revokedAt?: string;
}
export interface MagicLink {
    tokenHash: string;
    userId: string;
    createdAt: string;
    expiresAt: string;
}
export type RedeemOutcome = {
    redeemed: true;
    session: Session;
    user: UserAccount;
} | {
    redeemed: false;
    reason: 'unknown' | 'expired' | 'used';
};
export declare class EmailTakenError extends Error {
    readonly email: string;
    constructor(email: string);
}
/** auth-service's storage; SQLite by default (SqliteAuthRepository), any SQL store behind the same methods. */
export interface AuthRepository {
    /** Throws EmailTakenError when the e-mail is already registered. */
    createUser(user: UserAccount): Promise<void>;
    findUserByEmail(email: string): Promise<UserAccount | undefined>;
    findUserById(id: string): Promise<UserAccount | undefined>;
    createSession(session: Session): Promise<void>;
    findSession(id: string): Promise<Session | undefined>;
    listSessions(userId: string): Promise<Session[]>;
    revokeSession(id: string, at: string): Promise<boolean>;
    createMagicLink(link: MagicLink): Promise<void>;
    /** Marks the link used and opens `session` in one step; a link is redeemed at most once. */
    redeemMagicLink(tokenHash: string, now: string, session: Omit<Session, 'userId'>): Promise<RedeemOutcome>;
}
export declare const AUTH_REPOSITORY: unique symbol;
//# sourceMappingURL=auth.repository.d.ts.map