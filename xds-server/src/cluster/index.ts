export * from './cluster-probes';
export * from './simulated-cluster';
export * from './simulated-deployment';
export * from './steady-traffic';
