import { ConfigError } from '@mesh/service-kit';
import { workerSettings } from './worker-config';

describe('workerSettings', () => {
  it('defaults to the local mesh: Temporal on 7233, the default namespace, the onboarding task queue', () => {
    expect(workerSettings({})).toEqual({
      temporalAddress: '127.0.0.1:7233',
      temporalNamespace: 'default',
      taskQueue: 'onboarding',
      shutdownGraceMs: 10_000,
      connectTimeoutMs: 60_000,
      stickyScheduleToStartMs: 3000,
    });
  });

  it('names the variable when a duration is not a number', () => {
    expect(() => workerSettings({ WORKER_SHUTDOWN_GRACE_MS: 'soon' })).toThrow(ConfigError);
    expect(() => workerSettings({ WORKER_SHUTDOWN_GRACE_MS: 'soon' })).toThrow(/WORKER_SHUTDOWN_GRACE_MS="soon"/);
  });
});
