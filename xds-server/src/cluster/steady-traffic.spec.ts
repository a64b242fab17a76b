import { faultFigures, steadyTraffic } from './steady-traffic';

describe('steadyTraffic', () => {
  it('stops by itself at its request bound', async () => {
    let calls = 0;
    const traffic = steadyTraffic(async () => void calls++, { intervalMs: 1, maxRequests: 7, maxDurationMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    const samples = await traffic.stop();
    expect(calls).toBe(7);
    expect(samples).toHaveLength(7);
  });

  it('stops by itself at its time bound, and records failures with their reason', async () => {
    let n = 0;
    const traffic = steadyTraffic(
      async () => {
        if (++n % 2 === 0) throw new Error('HTTP 503');
      },
      { intervalMs: 5, maxRequests: 1_000_000, maxDurationMs: 60 },
    );
    await new Promise((r) => setTimeout(r, 150));
    const before = traffic.samples().length;
    await new Promise((r) => setTimeout(r, 50));
    expect(traffic.samples().length).toBe(before);
    const samples = await traffic.stop();
    expect(samples.filter((s) => !s.ok).every((s) => s.detail === 'HTTP 503')).toBe(true);
    expect(samples.some((s) => s.ok)).toBe(true);
  });
});

describe('faultFigures', () => {
  const at = (ms: number, ok: boolean) => ({ at: 1_000 + ms, ok, ...(ok ? {} : { detail: 'refused' }) });

  it('measures the failover window from the fault to the last failure', () => {
    const samples = [at(-100, true), at(0, true), at(50, false), at(400, false), at(900, true), at(5000, true)];
    expect(faultFigures(samples, 1_000, 2_000)).toEqual({ requests: 6, failed: 2, failoverMs: 400, failedAfterWindow: 0, examples: ['+50 ms refused', '+400 ms refused'] });
  });

  it('counts failures after the window, and none at all as a window of 0', () => {
    expect(faultFigures([at(0, true), at(100, false), at(3000, false)], 1_000, 2_000)).toMatchObject({ failed: 2, failoverMs: 3000, failedAfterWindow: 1, examples: ['+3000 ms refused'] });
    expect(faultFigures([at(0, true), at(10, true)], 1_000, 2_000)).toMatchObject({ failed: 0, failoverMs: 0, failedAfterWindow: 0 });
  });
});
