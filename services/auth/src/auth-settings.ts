import { envInt, type Env } from '@mesh/service-kit';

export interface AuthSettings {
  /** Lifetime of an access token and its session (AUTH_TOKEN_TTL_SECONDS, default 1 h). */
  tokenTtlSeconds: number;
  /** Lifetime of an unredeemed magic link (AUTH_MAGIC_LINK_TTL_SECONDS, default 15 min). */
  magicLinkTtlSeconds: number;
}

export const AUTH_SETTINGS = Symbol('AuthSettings');

export function authSettings(env: Env = process.env): AuthSettings {
  return {
    tokenTtlSeconds: envInt(env, 'AUTH_TOKEN_TTL_SECONDS', 3600, { min: 60, max: 30 * 24 * 3600 }),
    magicLinkTtlSeconds: envInt(env, 'AUTH_MAGIC_LINK_TTL_SECONDS', 900, { min: 30, max: 7 * 24 * 3600 }),
  };
}
