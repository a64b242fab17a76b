import { envInt, envString, TASK_QUEUE, type Env } from '@mesh/service-kit';

/** Consul name and the ports `mesh up` gives the worker (its app port only serves /health, /metrics, /docs). */
export const WORKFLOWS_DEFAULTS = { name: 'workflows', port: 3006, sidecarPort: 21006 } as const;

/** What the worker needs beyond the service kit's config (services/workflows/README.md). */
export interface WorkerSettings {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** How long shutdown lets running activities finish before cancelling them. */
  shutdownGraceMs: number;
  /** How long start-up keeps trying to reach Temporal. */
  connectTimeoutMs: number;
  /** How long a workflow task waits on this worker's sticky queue before any worker may take it. */
  stickyScheduleToStartMs: number;
}

export function workerSettings(env: Env = process.env): WorkerSettings {
  return {
    temporalAddress: envString(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
    temporalNamespace: envString(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: envString(env, 'TEMPORAL_TASK_QUEUE', TASK_QUEUE),
    shutdownGraceMs: envInt(env, 'WORKER_SHUTDOWN_GRACE_MS', 10_000, { min: 0 }),
    connectTimeoutMs: envInt(env, 'TEMPORAL_CONNECT_TIMEOUT_MS', 60_000, { min: 0 }),
    stickyScheduleToStartMs: envInt(env, 'TEMPORAL_STICKY_SCHEDULE_TO_START_MS', 3000, { min: 100 }),
  };
}
