import type { MeshModel } from '../translate/model';
import { MeshSnapshot } from './mesh-snapshot';

export interface MeshChange {
  snapshot: MeshSnapshot;
  /** When the input change was observed (process.hrtime.bigint()), for propagation metrics. */
  observedAt: bigint;
}

type Listener = (change: MeshChange) => void;

/**
 * The current mesh snapshot and the streams that follow it. An update builds the next
 * snapshot once and hands it to every stream synchronously: there is no debounce, and
 * each stream's own queue coalesces bursts.
 */
export class MeshState {
  private current = MeshSnapshot.build({ services: new Map() });
  private observedAt = process.hrtime.bigint();
  private readonly listeners = new Set<Listener>();

  get snapshot(): MeshSnapshot {
    return this.current;
  }

  update(model: MeshModel, observedAt = process.hrtime.bigint()): void {
    this.current = MeshSnapshot.build(model, this.current);
    this.observedAt = observedAt;
    const change = { snapshot: this.current, observedAt };
    for (const listener of this.listeners) listener(change);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastObservedAt(): bigint {
    return this.observedAt;
  }
}
