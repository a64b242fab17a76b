import { RefetchQueue } from './refetch-queue';

describe('RefetchQueue', () => {
  it('reads a service marked many times once, changes before sweeps, keeping the earliest mark', () => {
    const queue = new RefetchQueue();
    queue.mark('a', 'sweep', 5);
    queue.mark('b', 'sweep', 6);
    queue.mark('b', 'change', 3);
    queue.mark('b', 'sweep', 1);
    expect(queue.changesPending).toBe(true);
    expect(queue.take()).toEqual({ service: 'b', priority: 'change', markedAt: 1 });
    expect(queue.take()).toEqual({ service: 'a', priority: 'sweep', markedAt: 5 });
    expect(queue.take()).toBeUndefined();
  });

  it('reads a service once more when marked during its read, unless the read covered the mark', () => {
    const queue = new RefetchQueue();
    queue.mark('a', 'change', 1, 10n);
    const first = queue.take();
    if (!first) throw new Error('no job');
    queue.mark('a', 'change', 2, 12n);
    expect(queue.take()).toBeUndefined();
    expect(queue.finish(first, true, 11n)).toBe(true);
    const second = queue.take();
    expect(second).toEqual({ service: 'a', priority: 'change', markedAt: 2 });
    if (!second) throw new Error('no job');
    queue.mark('a', 'change', 3, 14n);
    expect(queue.finish(second, true, 14n)).toBe(true);
    expect(queue.take()).toBeUndefined();
    expect(queue.changesPending).toBe(false);
  });

  it('puts a failed read back, and ignores the read of a service forgotten meanwhile', () => {
    const queue = new RefetchQueue();
    queue.mark('a', 'change', 1);
    queue.mark('b', 'change', 1);
    const a = queue.take();
    const b = queue.take();
    if (!a || !b) throw new Error('no job');
    expect(queue.finish(a, false)).toBe(false);
    queue.forget('b');
    expect(queue.finish(b, true, 99n)).toBe(false);
    expect(queue.take()).toEqual({ service: 'a', priority: 'change', markedAt: 1 });
    expect(queue.take()).toBeUndefined();
  });

  it('reads a service forgotten and marked again during its read once more', () => {
    const queue = new RefetchQueue();
    queue.mark('a', 'change', 1);
    const job = queue.take();
    if (!job) throw new Error('no job');
    queue.forget('a');
    queue.mark('a', 'change', 2, 5n);
    expect(queue.finish(job, true, 9n)).toBe(false);
    expect(queue.take()).toEqual({ service: 'a', priority: 'change', markedAt: 2 });
  });
});
