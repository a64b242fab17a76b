import { PUSH_ORDER, type TypeUrl } from '../resources/type-url';

/** What the queue needs to know about a message: its type, which decides its slot and priority. */
export interface TypedMessage {
  readonly typeUrl: TypeUrl;
}

export type DropReason = 'replaced' | 'stale' | 'closed';

export interface OutboundQueueOptions<T extends TypedMessage> {
  /**
   * Writes one message and calls `done` once the transport has taken it (grpc-js
   * `call.write(message, done)`). Nothing else is written before that.
   */
  write(message: T, done: () => void): void;
  /** Checked right before writing; a message that fails it is dropped (e.g. `sotwStream.stillCurrent`). */
  stillCurrent(message: T): boolean;
  /** For logs and metrics. */
  onDrop?(message: T, reason: DropReason): void;
  /** True while messages of this type must wait (make-before-break, see WarmingGate); retry() once that may have changed. */
  holds?(typeUrl: TypeUrl): boolean;
}

/**
 * The single ordered outbound queue of one ADS stream. At most one message per type waits, so a
 * burst of updates coalesces to the newest one and memory stays bounded by the number of types.
 * Waiting messages go out in push order (CDS, EDS, LDS, RDS, SDS), with at most one write in
 * flight: grpc-js's object-mode stream buffers 16 messages before `write()` returns false, so
 * waiting for each write's callback is what keeps a slow proxy from being sent every
 * intermediate version. A newer message replaces the one that waits.
 *
 * A type the `holds` option names waits, without holding up the types behind it.
 *
 * The gRPC layer should call close() when the call ends, so that a callback that never comes holds nothing.
 */
export class OutboundQueue<T extends TypedMessage> {
  private readonly waiting = new Map<TypeUrl, T>();
  private blocked = false;
  private flushing = false;
  private closed = false;

  constructor(private readonly options: OutboundQueueOptions<T>) {}

  /** Queues a message, replacing the one of the same type still waiting, and writes what it can now. */
  enqueue(message: T): void {
    if (this.closed) {
      this.options.onDrop?.(message, 'closed');
      return;
    }
    const replaced = this.waiting.get(message.typeUrl);
    this.waiting.set(message.typeUrl, message);
    if (replaced !== undefined) this.options.onDrop?.(replaced, 'replaced');
    this.flush();
  }

  /** Writes what may go now: call it when a held type may have been released. */
  retry(): void {
    this.flush();
  }

  /** Stops writing for good and drops whatever waits. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.takeAll();
    for (const message of dropped) this.options.onDrop?.(message, 'closed');
  }

  /** How many messages wait (at most one per type). */
  get size(): number {
    return this.waiting.size;
  }

  /** True while a write is in flight. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  private flush(): void {
    // A write may call back into enqueue() synchronously; the loop below picks that message up.
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.blocked && !this.closed) {
        const next = this.takeNext();
        if (next === undefined) break;
        if (!this.options.stillCurrent(next)) {
          this.options.onDrop?.(next, 'stale');
          continue;
        }
        this.blocked = true;
        let finished = false;
        this.options.write(next, () => {
          if (finished) return;
          finished = true;
          this.resume();
        });
      }
    } finally {
      this.flushing = false;
    }
  }

  private resume(): void {
    this.blocked = false;
    this.flush();
  }

  private takeNext(): T | undefined {
    for (const typeUrl of PUSH_ORDER) {
      const message = this.waiting.get(typeUrl);
      if (message !== undefined && this.options.holds?.(typeUrl) !== true) {
        this.waiting.delete(typeUrl);
        return message;
      }
    }
    return undefined;
  }

  private takeAll(): T[] {
    const all = PUSH_ORDER.flatMap((typeUrl) => {
      const message = this.waiting.get(typeUrl);
      return message === undefined ? [] : [message];
    });
    this.waiting.clear();
    return all;
  }
}
