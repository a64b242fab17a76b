import { mergeChanges, viewChanges } from './change-set';
import type { SnapshotChange, SnapshotSource } from './snapshot-source';
import type { ProxyNode } from './proxy-node';
import { PushBatches } from './push-batches';
import type { ChangeSet, NodeView } from '../resources/node-view';
import { SubscriberIndex, type Interest } from './subscriber-index';
import { PUSH_ORDER, type TypeUrl } from '../resources/type-url';

/** A stream as the engine sees it. */
export interface PushTarget {
  readonly node: ProxyNode | undefined;
  interest(typeUrl: TypeUrl): Interest | undefined;
  /** Looks at `changes` (its own pending ones merged in) against the current view, and queues what they call for. */
  push(view: NodeView, changes: ChangeSet, cause: SnapshotChange): void;
}

/** Every stream whose proxy has the same identity key: one view per snapshot, one change set, one index. */
interface ViewGroup<S> {
  readonly node: ProxyNode;
  view: NodeView;
  readonly index: SubscriberIndex<S>;
}

interface Pending {
  changes: ChangeSet;
  cause: SnapshotChange;
}

/**
 * Delivers each new snapshot to the streams it concerns, with work proportional to what
 * changed. Streams are grouped by view key: each group's view is built once per snapshot,
 * compared once with the group's previous view, and the group's subscriber index names the
 * streams subscribed to a changed resource; only those are pushed to, in bounded batches.
 */
export class PushEngine<S extends PushTarget> {
  private readonly groups = new Map<string, ViewGroup<S>>();
  private readonly keys = new Map<S, string>();
  private readonly pending = new Map<S, Pending>();
  private readonly batches: PushBatches<S>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly source: SnapshotSource,
    options: { batchSize?: number } = {},
  ) {
    this.batches = new PushBatches((stream) => this.deliver(stream), options.batchSize);
    this.unsubscribe = source.subscribe((change) => this.onChange(change));
  }

  /** The stream's proxy is known: from now on it follows the snapshots. */
  join(stream: S): void {
    const node = stream.node as ProxyNode;
    const key = this.source.snapshot.viewKey(node.identity, node.serviceInstanceId);
    let group = this.groups.get(key);
    if (!group) {
      group = { node, view: this.source.snapshot.viewFor(node.identity, node.serviceInstanceId), index: new SubscriberIndex() };
      this.groups.set(key, group);
    }
    this.keys.set(stream, key);
    this.reindex(stream);
  }

  /** The view a joined stream's requests are answered from. */
  view(stream: S): NodeView {
    return this.group(stream).view;
  }

  /** Follows the stream's subscriptions after a request changed them. */
  reindex(stream: S, types: readonly TypeUrl[] = PUSH_ORDER): void {
    const group = this.group(stream);
    for (const typeUrl of types) group.index.update(stream, typeUrl, stream.interest(typeUrl));
  }

  leave(stream: S): void {
    const key = this.keys.get(stream);
    this.keys.delete(stream);
    this.pending.delete(stream);
    this.batches.delete(stream);
    const group = key === undefined ? undefined : this.groups.get(key);
    if (!group) return;
    group.index.remove(stream);
    if (group.index.size === 0) this.groups.delete(key as string);
  }

  /** Streams waiting for their batch: for tests and metrics. */
  get queued(): number {
    return this.batches.pending;
  }

  stop(): void {
    this.unsubscribe();
  }

  private group(stream: S): ViewGroup<S> {
    const key = this.keys.get(stream);
    const group = key === undefined ? undefined : this.groups.get(key);
    if (!group) throw new Error('stream has not joined the push engine');
    return group;
  }

  private onChange(change: SnapshotChange): void {
    for (const group of this.groups.values()) {
      const next = change.snapshot.viewFor(group.node.identity, group.node.serviceInstanceId);
      const changes = viewChanges(group.view, next);
      group.view = next;
      for (const stream of group.index.affected(changes)) {
        const waiting = this.pending.get(stream);
        this.pending.set(stream, { changes: waiting ? mergeChanges(waiting.changes, changes) : changes, cause: change });
        this.batches.add(stream);
      }
    }
  }

  private deliver(stream: S): void {
    const waiting = this.pending.get(stream);
    this.pending.delete(stream);
    if (!waiting) return;
    stream.push(this.group(stream).view, waiting.changes, waiting.cause);
  }
}
