import { backoffDelay, checkBackoffOptions } from './backoff';
import { ConsulConfigError } from './consul-errors';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const top = (attempt: number): number => backoffDelay(attempt, { initialMs: 100, maxMs: 5000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(top)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('jitters the upper half only, so retries never come faster than half the schedule', () => {
    expect(backoffDelay(3, { initialMs: 100, random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { initialMs: 100, random: () => 0.5 })).toBe(300);
    expect(backoffDelay(10, { random: () => 0 })).toBe(2500);
  });

  it('defaults to 100 ms doubling to a 5 s cap', () => {
    expect(backoffDelay(1, { random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(99, { random: () => 0.999999 })).toBe(5000);
  });

  it('rejects nonsense', () => {
    expect(() => backoffDelay(0)).toThrow(ConsulConfigError);
    expect(() => checkBackoffOptions({ initialMs: 0 })).toThrow('Invalid backoff initialMs 0');
    expect(() => checkBackoffOptions({ initialMs: 200, maxMs: 100 })).toThrow('expected a finite number of milliseconds >= initialMs (200)');
  });
});
