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

/** A joined stream: its group, and the changes waiting for its batch. One lookup per push. */
interface Member<S> {
  readonly stream: S;
  readonly key: string;
  readonly group: ViewGroup<S>;
  pending: Pending | undefined;
}

/**
 * Delivers each new snapshot to the streams it concerns, with work proportional to what
 * changed. Streams are grouped by view key: each group's view is built once per snapshot,
 * compared once with the group's previous view, and the group's subscriber index names the
 * streams subscribed to a changed resource; only those are pushed to, in bounded batches.
 */
export class PushEngine<S extends PushTarget> {
  private readonly groups = new Map<string, ViewGroup<S>>();
  private readonly members = new Map<S, Member<S>>();
  private readonly batches: PushBatches<Member<S>>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly source: SnapshotSource,
    options: { batchSize?: number } = {},
  ) {
    this.batches = new PushBatches((member) => this.deliver(member), options.batchSize);
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
    this.members.set(stream, { stream, key, group, pending: undefined });
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
    const member = this.members.get(stream);
    if (!member) return;
    this.members.delete(stream);
    this.batches.delete(member);
    const { group, key } = member;
    group.index.remove(stream);
    if (group.index.size === 0 && this.groups.get(key) === group) this.groups.delete(key);
  }

  /** Streams waiting for their batch: for tests and metrics. */
  get queued(): number {
    return this.batches.pending;
  }

  stop(): void {
    this.unsubscribe();
  }

  private group(stream: S): ViewGroup<S> {
    const member = this.members.get(stream);
    if (!member) throw new Error('stream has not joined the push engine');
    return member.group;
  }

  private onChange(change: SnapshotChange): void {
    for (const group of this.groups.values()) {
      const next = change.snapshot.viewFor(group.node.identity, group.node.serviceInstanceId);
      const changes = viewChanges(group.view, next);
      group.view = next;
      for (const stream of group.index.affected(changes)) {
        const member = this.members.get(stream);
        if (!member) continue;
        const waiting = member.pending;
        member.pending = { changes: waiting ? mergeChanges(waiting.changes, changes) : changes, cause: change };
        this.batches.add(member);
      }
    }
  }

  private deliver(member: Member<S>): void {
    const waiting = member.pending;
    member.pending = undefined;
    if (!waiting) return;
    member.stream.push(member.group.view, waiting.changes, waiting.cause);
  }
}
