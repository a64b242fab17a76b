import type { ChecksView } from './checks-view';

export interface WriteAttributionOptions {
  /** Reads the checks table's index as it is now (a read issued after the services write was seen). */
  probe: () => Promise<bigint>;
  /** A services write that no check shows: only reading every service finds what it changed. */
  unexplained: (index: bigint, seenAt: number) => void;
  /** The probe failed; the writes it was for count as unexplained. */
  onProbeError?: (error: unknown) => void;
}

/** How many recent checks-table indexes to remember (a deletion leaves no other trace). */
const REMEMBERED_WRITES = 64;

/**
 * Decides whether a write to Consul's services table (the index of `/v1/catalog/services`
 * moved, but no service appeared, went or changed its tags) is one the checks already tell
 * about. Registering or deregistering an instance with checks writes its service and its
 * checks in the same raft entry, so the write's index shows up in `/v1/health/state/any`: as
 * a check's CreateIndex or ModifyIndex, or, for a deletion, as the checks table's index. A
 * write the checks do not show (an instance without checks, a changed port or address) could
 * be any service's, and is reported as unexplained.
 *
 * The two blocking queries return in either order. When the catalog's answer comes first, one
 * cheap probe of the checks table's index settles it: below the write's index, the checks were
 * not touched by it; at or above, the checks answer that covers it is on its way.
 */
export class WriteAttribution {
  private checks: ChecksView | undefined;
  private readonly checkWrites: bigint[] = [];
  /** Writes (index → when seen) waiting for a probe issued after they were seen. */
  private readonly unprobed = new Map<bigint, number>();
  /** Writes the probe placed at or below the checks index: the next checks answer settles them. */
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
    this.checkWrites.length = 0;
  }

  servicesWrite(index: bigint, seenAt: number): void {
    if (this.settle(index, seenAt)) return;
    this.unprobed.set(index, seenAt);
    this.probe();
  }

  /** A checks answer has been applied: the services whose checks changed are already queued. */
  checksRead(view: ChecksView): void {
    this.checks = view;
    this.remember(view.index);
    for (const writes of [this.unprobed, this.awaiting]) {
      for (const [index, seenAt] of writes) if (this.settle(index, seenAt)) writes.delete(index);
    }
  }

  private probe(): void {
    if (this.probing || this.unprobed.size === 0) return;
    this.probing = true;
    const covered = [...this.unprobed];
    this.unprobed.clear();
    this.options
      .probe()
      .then(
        (checksIndex) => {
          // The checks table's index is the index of its latest write, so it explains a deletion.
          this.remember(checksIndex);
          for (const [index, seenAt] of covered) {
            if (this.settle(index, seenAt)) continue;
            if (checksIndex < index) this.options.unexplained(index, seenAt);
            else this.awaiting.set(index, seenAt);
          }
        },
        (error: unknown) => {
          this.options.onProbeError?.(error);
          for (const [index, seenAt] of covered) if (!this.settle(index, seenAt)) this.options.unexplained(index, seenAt);
        },
      )
      .finally(() => {
        this.probing = false;
        this.probe();
      });
  }

  /** Once a checks answer covers the write: reports it if unexplained, and says it is settled. */
  private settle(index: bigint, seenAt: number): boolean {
    if (!this.checks || this.checks.index < index) return false;
    if (!this.explains(index)) this.options.unexplained(index, seenAt);
    return true;
  }

  private explains(index: bigint): boolean {
    return (this.checks?.carries(index) ?? false) || this.checkWrites.includes(index);
  }

  private remember(index: bigint): void {
    if (this.checkWrites.at(-1) === index) return;
    this.checkWrites.push(index);
    if (this.checkWrites.length > REMEMBERED_WRITES) this.checkWrites.shift();
  }
}
