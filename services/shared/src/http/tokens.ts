/** Injection tokens for the kit's plain values. */
export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const LOGGER = Symbol('Logger');
