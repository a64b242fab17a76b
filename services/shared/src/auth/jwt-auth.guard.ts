import { type CanActivate, createParamDecorator, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../errors/api-error';
import { type AuthClaims, JwtCodec, TokenVerificationError } from './jwt-codec';

type AuthenticatedRequest = Request & { auth?: AuthClaims };

/** Requires `Authorization: Bearer <jwt>`; 401 MISSING_TOKEN, INVALID_TOKEN or TOKEN_EXPIRED otherwise. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(@Inject(JwtCodec) private readonly jwt: JwtCodec) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'MISSING_TOKEN', 'This endpoint needs Authorization: Bearer <token>; get a token from POST /auth/login.');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1]) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'INVALID_TOKEN', 'The Authorization header must be "Bearer <token>".');
    }
    try {
      request.auth = await this.jwt.verify(match[1]);
    } catch (error) {
      if (error instanceof TokenVerificationError) throw new ApiError(HttpStatus.UNAUTHORIZED, error.problem, error.message);
      throw error;
    }
    return true;
  }
}

/** The verified claims of the current request (use behind JwtAuthGuard). */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthClaims => {
  const claims = context.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!claims) throw new Error('CurrentUser used on a route without JwtAuthGuard');
  return claims;
});
