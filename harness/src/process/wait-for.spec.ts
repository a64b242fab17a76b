import { DeadlineError, waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first value that is not undefined or false', async () => {
    let calls = 0;
    const value = await waitFor('third call', async () => (++calls >= 3 ? { calls } : undefined), {
      timeoutMs: 5000,
      intervalMs: 1,
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('reports what the probe last saw when the deadline passes', async () => {
    const attempt = waitFor(
      'consul leader',
      async () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 50, intervalMs: 5 },
    );
    await expect(attempt).rejects.toThrow(DeadlineError);
    await expect(attempt).rejects.toThrow('consul leader: not reached within 0.1s; last seen: connection refused');
  });

  it('stops polling when aborted', async () => {
    let calls = 0;
    let abort!: (e: Error) => void;
    const aborted = new Promise<never>((_, reject) => (abort = reject));
    const attempt = waitFor('never', async () => (calls++, false), { timeoutMs: 10_000, intervalMs: 5, abort: aborted });
    abort(new Error('process exited'));
    await expect(attempt).rejects.toThrow('process exited');
    const seen = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBeLessThanOrEqual(seen + 1);
  });
});
