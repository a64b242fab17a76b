export const WORKER_SETTINGS = Symbol('WORKER_SETTINGS');
