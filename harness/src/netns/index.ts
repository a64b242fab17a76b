export * from './host-plan';
export * from './ip-command';
export * from './namespace-http';
export * from './simulated-network';
export * from './subnet';
