/** A named readiness check: resolves when healthy, throws (with a reason) when not. */
export type HealthCheck = () => Promise<void> | void;

export interface HealthReport {
  status: 'pass' | 'fail';
  service: string;
  instanceId: string;
  version: string;
  uptimeSeconds: number;
  checks: Record<string, { status: 'pass' | 'fail'; reason?: string }>;
}

/** Feature modules add checks (e.g. their database); /health runs them all. */
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly startedAt = Date.now();

  constructor(private readonly identity: { service: string; instanceId: string; version: string }) {}

  add(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = {};
    for (const [name, check] of this.checks) {
      try {
        await check();
        checks[name] = { status: 'pass' };
      } catch (error) {
        checks[name] = { status: 'fail', reason: error instanceof Error ? error.message : String(error) };
      }
    }
    const failed = Object.values(checks).some((c) => c.status === 'fail');
    return {
      status: failed ? 'fail' : 'pass',
      ...this.identity,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      checks,
    };
  }
}
