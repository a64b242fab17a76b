import type { SpanContext } from '@opentelemetry/api';
import type { NodeView } from '../resources/node-view';
import type { ProxyIdentity } from '../translate/model';

/** One state of the mesh, as the engine reads it: a view per proxy identity. */
export interface Snapshot {
  /** Proxies with the same key get the same view. */
  viewKey(proxy: ProxyIdentity, instanceId: string | undefined): string;
  viewFor(proxy: ProxyIdentity, instanceId: string | undefined): NodeView;
}

/** A new snapshot, with where it came from. */
export interface SnapshotChange {
  readonly snapshot: Snapshot;
  /** The translation's span: pushes of this change are its children. */
  readonly trace: SpanContext;
  /** When the input change was observed (process.hrtime.bigint()), for propagation metrics. */
  readonly observedAt: bigint;
}

/**
 * What the xDS engine needs of whatever builds snapshots (translate's MeshState): the current
 * one, every new one, and whether there is anything to serve yet. The engine sees translation
 * only through this, as go-control-plane's server sees its cache through ConfigWatcher.
 */
export interface SnapshotSource {
  readonly snapshot: Snapshot;
  readonly ready: boolean;
  /** Calls back once ready; the returned function withdraws the callback. */
  whenReady(callback: () => void): () => void;
  subscribe(listener: (change: SnapshotChange) => void): () => void;
}
