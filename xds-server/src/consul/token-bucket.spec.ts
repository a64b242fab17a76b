import { ConsulConfigError } from './consul-errors';
import { TokenBucket } from './token-bucket';

function manualClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TokenBucket', () => {
  it('lets a burst of `capacity` calls through, then refuses until a token is back', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillIntervalMs: 100, now: clock.now });
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(99);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('degrades a hot loop to one call per refill interval', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillIntervalMs: 250, now: clock.now });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wait = bucket.reserve();
      waits.push(wait);
      clock.advance(wait);
    }
    expect(waits).toEqual([0, 0, 250, 250, 250, 250]);
  });

  it('queues reservations made at the same instant one interval apart', () => {
    const bucket = new TokenBucket({ capacity: 1, refillIntervalMs: 100, now: () => 0 });
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 100, 200]);
  });

  it('refills up to capacity and no further', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillIntervalMs: 100, now: clock.now });
    bucket.tryTake();
    bucket.tryTake();
    clock.advance(150);
    expect(bucket.available).toBeCloseTo(1.5);
    clock.advance(10_000);
    expect(bucket.available).toBe(2);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100]);
  });

  it('defaults to a burst of 2 and one call per 250 ms', () => {
    const bucket = new TokenBucket({ now: () => 0 });
    expect([bucket.capacity, bucket.refillIntervalMs]).toEqual([2, 250]);
  });

  it('rejects settings that would disable the limit', () => {
    expect(() => new TokenBucket({ capacity: 0 })).toThrow(ConsulConfigError);
    expect(() => new TokenBucket({ capacity: 1.5 })).toThrow('Invalid token bucket capacity 1.5: expected an integer >= 1.');
    expect(() => new TokenBucket({ refillIntervalMs: 0 })).toThrow(ConsulConfigError);
    expect(() => new TokenBucket({ refillIntervalMs: Number.POSITIVE_INFINITY })).toThrow(ConsulConfigError);
  });
});
