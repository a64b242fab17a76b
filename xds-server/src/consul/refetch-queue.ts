/**
 * `change`: something (a check, the catalog) says this service changed; `sweep`: part of a
 * pass over every service after a write that no check explains. Changes go first.
 */
export type RefetchPriority = 'change' | 'sweep';

export interface RefetchJob {
  readonly service: string;
  readonly priority: RefetchPriority;
  /** Epoch ms when the change behind this job was first seen. */
  readonly markedAt: number;
  /**
   * The raft index of the write behind the mark, when known: a read of the service that
   * returns an X-Consul-Index at or above it already shows that write.
   */
  readonly since?: bigint;
}

interface Running {
  readonly priority: RefetchPriority;
  /** A change being read: a snapshot waits for it (a forgotten service's read no longer counts). */
  holdsSnapshot: boolean;
  cancelled: boolean;
  /** Marked again while being read: the read may predate the change, so it runs once more. */
  again: RefetchJob | undefined;
}

/**
 * The services waiting to be read, coalesced: a service marked any number of times before its
 * read starts is read once, and one marked while being read is read once more afterwards.
 */
export class RefetchQueue {
  private readonly changes = new Map<string, number>();
  private readonly sweeps = new Map<string, number>();
  private readonly running = new Map<string, Running>();
  private runningChanges = 0;

  mark(service: string, priority: RefetchPriority, markedAt: number, since?: bigint): void {
    const running = this.running.get(service);
    if (running) {
      // The read in flight may predate the change (or be for a service since forgotten).
      running.again = merge(running.again, { service, priority, markedAt, since });
      return;
    }
    const queued = this.changes.get(service) ?? this.sweeps.get(service);
    const earliest = queued === undefined ? markedAt : Math.min(queued, markedAt);
    if (priority === 'change' || this.changes.has(service)) {
      this.sweeps.delete(service);
      this.changes.set(service, earliest);
    } else {
      this.sweeps.set(service, earliest);
    }
  }

  /** Drops a service that left the catalog: a read of it in flight is then ignored. */
  forget(service: string): void {
    this.changes.delete(service);
    this.sweeps.delete(service);
    const running = this.running.get(service);
    if (running) {
      running.cancelled = true;
      running.again = undefined;
      this.release(running);
    }
  }

  /** The next service to read, changes first; undefined when none waits. */
  take(): RefetchJob | undefined {
    for (const [queue, priority] of [
      [this.changes, 'change'],
      [this.sweeps, 'sweep'],
    ] as const) {
      for (const [service, markedAt] of queue) {
        queue.delete(service);
        this.running.set(service, { priority, holdsSnapshot: priority === 'change', cancelled: false, again: undefined });
        if (priority === 'change') this.runningChanges += 1;
        return { service, priority, markedAt };
      }
    }
    return undefined;
  }

  /**
   * The read of `job` ended, having returned `readIndex` if it succeeded; true when its result
   * still counts. A failed read goes back in the queue; a mark made during a read that the
   * read's index shows it already covered is dropped.
   */
  finish(job: RefetchJob, succeeded: boolean, readIndex?: bigint): boolean {
    const running = this.running.get(job.service);
    if (!running) return false;
    this.running.delete(job.service);
    this.release(running);
    const counts = succeeded && !running.cancelled;
    let next = succeeded ? running.again : merge(running.again, running.cancelled ? undefined : job);
    if (counts && next?.since !== undefined && readIndex !== undefined && readIndex >= next.since) next = undefined;
    if (next) this.mark(next.service, next.priority, next.markedAt, next.since);
    return counts;
  }

  private release(running: Running): void {
    if (!running.holdsSnapshot) return;
    running.holdsSnapshot = false;
    this.runningChanges -= 1;
  }

  /** A change is queued or being read: a snapshot now would miss it. */
  get changesPending(): boolean {
    return this.runningChanges > 0 || this.changes.size > 0;
  }

  get size(): number {
    return this.changes.size + this.sweeps.size + this.running.size;
  }
}

function merge(a: RefetchJob | undefined, b: RefetchJob | undefined): RefetchJob | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    service: a.service,
    priority: a.priority === 'change' || b.priority === 'change' ? 'change' : 'sweep',
    markedAt: Math.min(a.markedAt, b.markedAt),
    // Unknown on either side means any read may be too old.
    since: a.since === undefined || b.since === undefined ? undefined : a.since > b.since ? a.since : b.since,
  };
}
