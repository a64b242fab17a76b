/**
 * Admits new streams at a bounded rate (a token bucket refilled continuously), queueing the
 * rest in arrival order instead of refusing them, so that a control plane restart under
 * thousands of proxies resyncs them steadily rather than all at once. The same idea as
 * Istio's PILOT_MAX_REQUESTS_PER_SECOND.
 */
export class StreamAdmission {
  private tokens: number;
  private last = Date.now();
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Calls `admitted` now or when the stream's turn comes; the returned function withdraws it. */
  admit(admitted: () => void): () => void {
    this.refill();
    if (this.waiting.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      admitted();
      return () => {};
    }
    this.waiting.push(admitted);
    this.schedule();
    return () => {
      const at = this.waiting.indexOf(admitted);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  get queued(): number {
    return this.waiting.length;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.waiting.length = 0;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiting.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiting.shift()?.();
      }
      if (this.waiting.length > 0) this.schedule();
    }, Math.max(1, Math.ceil(1000 / this.perSecond)));
    this.timer.unref();
  }
}
