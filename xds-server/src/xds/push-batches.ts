/**
 * Runs queued jobs in batches of a bounded size, yielding to the event loop between
 * batches, so that a change pushed to thousands of streams never starves their ACKs,
 * keepalives and new connections. A job queued twice before it runs runs once.
 */
export class PushBatches<T> {
  private readonly queued = new Set<T>();
  private scheduled = false;

  constructor(
    private readonly run: (job: T) => void,
    private readonly batchSize = 256,
  ) {}

  add(job: T): void {
    this.queued.add(job);
    if (this.scheduled) return;
    this.scheduled = true;
    // The first batch runs in this turn: a lone change reaches its stream without a hop.
    queueMicrotask(() => this.drain());
  }

  delete(job: T): void {
    this.queued.delete(job);
  }

  get pending(): number {
    return this.queued.size;
  }

  private drain(): void {
    let done = 0;
    for (const job of this.queued) {
      this.queued.delete(job);
      this.run(job);
      if (++done >= this.batchSize) break;
    }
    if (this.queued.size > 0) setImmediate(() => this.drain());
    else this.scheduled = false;
  }
}
