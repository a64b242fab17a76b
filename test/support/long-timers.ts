/**
 * Makes timers of at least `minMs` stop holding the process open, until the returned
 * function restores setTimeout. For @grpc/grpc-js-xds 1.14: when a cluster loses all its
 * endpoints, its priority balancer keeps the old child for 15 minutes on a timer that
 * closing the channel does not clear (load-balancer-priority.ts), so Jest could not exit.
 */
export function unrefLongTimers(minMs: number): () => void {
  const original = globalThis.setTimeout;
  const patched = (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const timer = original(handler, ms, ...args);
    if (ms !== undefined && ms >= minMs) timer.unref();
    return timer;
  };
  globalThis.setTimeout = Object.assign(patched, original) as typeof setTimeout;
  return () => {
    globalThis.setTimeout = original;
  };
}
