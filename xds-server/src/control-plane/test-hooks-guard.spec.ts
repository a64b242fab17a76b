import { assertTestHooksAllowed, isLoopback, TestHooksExposedError } from './test-hooks-guard';

describe('test hooks guard', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.3.4.5', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.50.11', '::', '198.18.0.2'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('refuses test hooks on a non-loopback admin bind, and says how to fix it', () => {
    expect(() => assertTestHooksAllowed(true, '0.0.0.0')).toThrow(TestHooksExposedError);
    expect(() => assertTestHooksAllowed(true, '0.0.0.0')).toThrow(/--admin-host 127\.0\.0\.1/);
    expect(() => assertTestHooksAllowed(true, '127.0.0.1')).not.toThrow();
    expect(() => assertTestHooksAllowed(false, '0.0.0.0')).not.toThrow();
  });
});
