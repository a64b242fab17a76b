import { errors, jwtVerify, SignJWT } from 'jose';

/** Who a request acts for, from a verified token. */
export interface AuthClaims {
  userId: string;
  email: string;
  /** auth-service's session id (claim `sid`). */
  sessionId: string;
}

export type TokenProblem = 'INVALID_TOKEN' | 'TOKEN_EXPIRED';

export class TokenVerificationError extends Error {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
}

/** HS256 tokens with a secret every service shares (JWT_SECRET); auth-service signs, everyone verifies. */
export class JwtCodec {
  private readonly key: Uint8Array;

  constructor(private readonly settings: JwtSettings) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  async sign(claims: AuthClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ email: claims.email, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  async verify(token: string): Promise<AuthClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.email !== 'string' || typeof payload.sid !== 'string') {
        throw new TokenVerificationError('INVALID_TOKEN', 'The token lacks the sub, email or sid claim; log in again to get a token from auth-service.');
      }
      return { userId: payload.sub, email: payload.email, sessionId: payload.sid };
    } catch (error) {
      if (error instanceof TokenVerificationError) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenVerificationError('TOKEN_EXPIRED', 'The token has expired; log in again.');
      if (error instanceof errors.JOSEError) {
        throw new TokenVerificationError('INVALID_TOKEN', `The token was rejected (${error.code}): ${error.message}. Use a token issued by auth-service.`);
      }
      throw error;
    }
  }
}
