import pino, { type Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

/** Structured JSON logs; MESH_LOG_LEVEL sets the level (default info). */
export function createLogger(): Logger {
  return pino({ name: 'xds-server', level: process.env.MESH_LOG_LEVEL ?? 'info' });
}
