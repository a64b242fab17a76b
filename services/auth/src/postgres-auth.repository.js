"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.PostgresAuthRepository = void 0;
const service_kit_1 = require("@mesh/service-kit");
const common_1 = require("@nestjs/common");
const auth_repository_1 = require("./auth.repository");
const sqlite_auth_repository_1 = require("./sqlite-auth.repository");
const UNIQUE_VIOLATION = '23505';
/** The same tables as SqliteAuthRepository, shared by every instance through PostgreSQL. */
let PostgresAuthRepository = class PostgresAuthRepository {
    db;
    constructor(db) {
        this.db = db;
    }
    async createUser(user) {
        try {
            await this.db.run('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)', [user.id, user.email, user.passwordHash, user.createdAt]);
        }
        catch (error) {
            const pgError = error;
            if (pgError.code === UNIQUE_VIOLATION && pgError.constraint === 'users_email_key')
                throw new auth_repository_1.EmailTakenError(user.email);
            throw error;
        }
    }
    async findUserByEmail(email) {
        const row = await this.db.get('SELECT * FROM users WHERE email = ?', [email]);
        return row && (0, sqlite_auth_repository_1.toUser)(row);
    }
    async findUserById(id) {
        const row = await this.db.get('SELECT * FROM users WHERE id = ?', [id]);
        return row && (0, sqlite_auth_repository_1.toUser)(row);
    }
    async createSession(session) {
        await this.db.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
            session.id,
            session.userId,
            session.method,
            session.createdAt,
            session.expiresAt,
        ]);
    }
    async findSession(id) {
        const row = await this.db.get('SELECT * FROM sessions WHERE id = ?', [id]);
        return row && (0, sqlite_auth_repository_1.toSession)(row);
    }
    async listSessions(userId) {
        return (await this.db.all('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC', [userId])).map(sqlite_auth_repository_1.toSession);
    }
    async revokeSession(id, at) {
        return (await this.db.run('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])).changes === 1;
    }
    async createMagicLink(link) {
        await this.db.run('INSERT INTO magic_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [link.tokenHash, link.userId, link.createdAt, link.expiresAt]);
    }
    async redeemMagicLink(tokenHash, now, session) {
        return this.db.transaction(async (tx) => {
            // FOR UPDATE: two replicas redeeming the same link at once serialise here, and one sees it used.
            const link = await tx.get('SELECT user_id, expires_at, redeemed_at FROM magic_links WHERE token_hash = ? FOR UPDATE', [tokenHash]);
            if (!link)
                return { redeemed: false, reason: 'unknown' };
            if (link.redeemed_at !== null)
                return { redeemed: false, reason: 'used' };
            if (link.expires_at <= now)
                return { redeemed: false, reason: 'expired' };
            await tx.run('UPDATE magic_links SET redeemed_at = ? WHERE token_hash = ? AND redeemed_at IS NULL', [now, tokenHash]);
            const opened = { ...session, userId: link.user_id };
            await tx.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [opened.id, opened.userId, opened.method, opened.createdAt, opened.expiresAt]);
            const row = await tx.get('SELECT * FROM users WHERE id = ?', [link.user_id]);
            const user = row && (0, sqlite_auth_repository_1.toUser)(row);
            if (!user)
                throw new Error(`magic link ${tokenHash.slice(0, 8)}… points at a missing user ${link.user_id}`);
            return { redeemed: true, session: opened, user };
        });
    }
};
exports.PostgresAuthRepository = PostgresAuthRepository;
exports.PostgresAuthRepository = PostgresAuthRepository = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(service_kit_1.PostgresDatabase)),
    __metadata("design:paramtypes", [service_kit_1.PostgresDatabase])
], PostgresAuthRepository);
//# sourceMappingURL=postgres-auth.repository.js.map