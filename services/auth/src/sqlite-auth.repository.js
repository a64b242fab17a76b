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
exports.SqliteAuthRepository = exports.toSession = exports.toUser = void 0;
const service_kit_1 = require("@mesh/service-kit");
const common_1 = require("@nestjs/common");
const auth_repository_1 = require("./auth.repository");
const toUser = (row) => ({ id: row.id, email: row.email, passwordHash: row.password_hash, createdAt: row.created_at });
exports.toUser = toUser;
const toSession = (row) => ({
    id: row.id,
    userId: row.user_id,
    method: row.method,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
});
exports.toSession = toSession;
let SqliteAuthRepository = class SqliteAuthRepository {
    db;
    constructor(db) {
        this.db = db;
    }
    async createUser(user) {
        try {
            this.db.run('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)', [user.id, user.email, user.passwordHash, user.createdAt]);
        }
        catch (error) {
            if (error instanceof Error && /UNIQUE constraint failed: users.email/.test(error.message))
                throw new auth_repository_1.EmailTakenError(user.email);
            throw error;
        }
    }
    async findUserByEmail(email) {
        const row = this.db.get('SELECT * FROM users WHERE email = ?', [email]);
        return row && (0, exports.toUser)(row);
    }
    async findUserById(id) {
        const row = this.db.get('SELECT * FROM users WHERE id = ?', [id]);
        return row && (0, exports.toUser)(row);
    }
    async createSession(session) {
        this.db.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [session.id, session.userId, session.method, session.createdAt, session.expiresAt]);
    }
    async findSession(id) {
        const row = this.db.get('SELECT * FROM sessions WHERE id = ?', [id]);
        return row && (0, exports.toSession)(row);
    }
    async listSessions(userId) {
        return this.db.all('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at DESC', [userId]).map(exports.toSession);
    }
    async revokeSession(id, at) {
        return this.db.run('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]).changes === 1;
    }
    async createMagicLink(link) {
        this.db.run('INSERT INTO magic_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [link.tokenHash, link.userId, link.createdAt, link.expiresAt]);
    }
    async redeemMagicLink(tokenHash, now, session) {
        return this.db.transaction(() => {
            const link = this.db.get('SELECT user_id, expires_at, redeemed_at FROM magic_links WHERE token_hash = ?', [tokenHash]);
            if (!link)
                return { redeemed: false, reason: 'unknown' };
            if (link.redeemed_at !== null)
                return { redeemed: false, reason: 'used' };
            if (link.expires_at <= now)
                return { redeemed: false, reason: 'expired' };
            this.db.run('UPDATE magic_links SET redeemed_at = ? WHERE token_hash = ? AND redeemed_at IS NULL', [now, tokenHash]);
            const opened = { ...session, userId: link.user_id };
            this.db.run('INSERT INTO sessions (id, user_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [opened.id, opened.userId, opened.method, opened.createdAt, opened.expiresAt]);
            const row = this.db.get('SELECT * FROM users WHERE id = ?', [link.user_id]);
            const user = row && (0, exports.toUser)(row);
            if (!user)
                throw new Error(`magic link ${tokenHash.slice(0, 8)}… points at a missing user ${link.user_id}`);
            return { redeemed: true, session: opened, user };
        });
    }
};
exports.SqliteAuthRepository = SqliteAuthRepository;
exports.SqliteAuthRepository = SqliteAuthRepository = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(service_kit_1.SqliteDatabase)),
    __metadata("design:paramtypes", [service_kit_1.SqliteDatabase])
], SqliteAuthRepository);
//# sourceMappingURL=sqlite-auth.repository.js.map