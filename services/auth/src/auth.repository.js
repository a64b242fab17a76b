"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AUTH_REPOSITORY = exports.EmailTakenError = void 0;
class EmailTakenError extends Error {
    email;
    constructor(email) {
        super(`An account for ${email} already exists; log in instead.`);
        this.email = email;
        this.name = 'EmailTakenError';
    }
}
exports.EmailTakenError = EmailTakenError;
exports.AUTH_REPOSITORY = Symbol('AuthRepository');
//# sourceMappingURL=auth.repository.js.map