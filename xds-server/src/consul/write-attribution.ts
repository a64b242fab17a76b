import { sleep } from './abortable-sleep';
import type { ChecksView } from './checks-view';

export interface WriteAttributionOptions {
  /** Reads the checks table's index as it is now (a read issued after the services write was seen). */
  probe: () => Promise<bigint>;
  /** Reads every check now, and hands the answer to checksRead() before resolving. */
  readChecks: () => Promise<void>;
  /** A services write that no check shows: only reading every service finds what it changed. */
  unexplained: (index: bigint, seenAt: number) => void;
  /** A probe or read failed; the writes it was for count as unexplained. */
  onProbeError?: (error: unknown) => void;
  /**
   * How long to let the checks query's own answer arrive before reading every check. Its
   * answer is the large one and usually comes second; it does not come at all only when no
   * check changed, and then a read of every service follows anyway. Default 250 ms.
   */
  readDelayMs?: number;
  /** Aborts the wait (the watcher was stopped). */
  signal?: AbortSignal;
}

const DEFAULT_READ_DELAY_MS = 250;
const NEVER = new AbortController().signal;

/** How many recent removals of checks to remember. */
const REMEMBERED_REMOVALS = 64;

/**
 * Decides whether a write to Consul's services table (the index of `/v1/catalog/services`
 * moved, but no service appeared, went or changed its tags) is one the checks already tell
 * about. Registering an instance with checks writes its service and its checks in the same
 * raft entry, so a check carries the write's index as its CreateIndex or ModifyIndex; a
 * deregistration deletes the instance's checks in that entry, so the checks answer at that
 * index shows checks gone. A write that no check shows (an instance without checks, a changed
 * port or address) could be any service's, and is reported as unexplained.
 *
 * The two blocking queries return in either order, and the checks one does not return at all
 * when no check changed (a deregistration moves the checks table's index even then). So when
 * the checks seen so far are older than the write, a cheap probe of the checks index decides:
 * below the write's index, no check was touched; at or above it, the checks answer shows what
 * the write did, and if it has not come after a short wait, one plain read of every check.
 */
export class WriteAttribution {
  private checks: ChecksView | undefined;
  /** Indexes of checks answers that showed checks removed. */
  private readonly removals: bigint[] = [];
  /** Writes (index → when seen) waiting for a probe issued after they were seen. */
  private readonly unprobed = new Map<bigint, number>();
  /** Writes the probe placed at or below the checks index, waiting for a checks answer. */
  private readonly awaiting = new Map<bigint, number>();
  private probing = false;

  constructor(private readonly options: WriteAttributionOptions) {}

  /** Unresolved writes, for tests and status. */
  get pending(): number {
    return this.unprobed.size + this.awaiting.size;
  }

  /** Consul's indexes went backwards (a restore, a new dev agent): what was pending means nothing now. */
  reset(): void {
    this.unprobed.clear();
    this.awaiting.clear();
    this.removals.length = 0;
  }

  servicesWrite(index: bigint, seenAt: number): void {
    if (this.settle(index, seenAt)) return;
    this.unprobed.set(index, seenAt);
    this.probe();
  }

  /** A checks answer has been applied (the services whose checks changed are already queued). */
  checksRead(view: ChecksView, removedChecks: boolean): void {
    this.checks = view;
    if (removedChecks && this.removals.at(-1) !== view.index) {
      this.removals.push(view.index);
      if (this.removals.length > REMEMBERED_REMOVALS) this.removals.shift();
    }
    for (const writes of [this.unprobed, this.awaiting]) {
      for (const [index, seenAt] of writes) if (this.settle(index, seenAt)) writes.delete(index);
    }
  }

  private probe(): void {
    if (this.probing || this.unprobed.size === 0 || this.options.signal?.aborted) return;
    this.probing = true;
    const covered = [...this.unprobed];
    this.unprobed.clear();
    void this.attribute(covered).finally(() => {
      this.probing = false;
      this.probe();
    });
  }

  private async attribute(covered: ReadonlyArray<readonly [bigint, number]>): Promise<void> {
    try {
      const checksIndex = await this.options.probe();
      for (const [index, seenAt] of covered) {
        if (this.settle(index, seenAt)) continue;
        if (checksIndex < index) this.options.unexplained(index, seenAt);
        else this.awaiting.set(index, seenAt);
      }
      if (this.awaiting.size > 0) await sleep(this.options.readDelayMs ?? DEFAULT_READ_DELAY_MS, this.options.signal ?? NEVER);
      if (this.awaiting.size > 0 && !this.options.signal?.aborted) await this.options.readChecks();
    } catch (error) {
      this.options.onProbeError?.(error);
      for (const [index, seenAt] of covered) if (!this.settle(index, seenAt)) this.awaiting.set(index, seenAt);
    }
    // Whatever the read did not cover (it failed, or came back older) cannot be pinned on a check.
    for (const [index, seenAt] of this.awaiting) {
      this.awaiting.delete(index);
      if (!this.settle(index, seenAt)) this.options.unexplained(index, seenAt);
    }
  }

  /** Once a checks answer covers the write: reports it if unexplained, and says it is settled. */
  private settle(index: bigint, seenAt: number): boolean {
    if (!this.checks || this.checks.index < index) return false;
    if (!this.checks.carries(index) && !this.removals.includes(index)) this.options.unexplained(index, seenAt);
    return true;
  }
}
