import type { Resource } from './resource';
import type { ResourceIndex } from './resource-index';
import type { TypeUrl } from './type-url';

/**
 * Everything one proxy may be sent, per type. Built once per snapshot for every proxy with
 * the same identity; the stream state machines pick from it what the proxy subscribed to.
 */
export interface NodeView {
  /** Everything of a type: what a wildcard subscription receives. */
  resources(typeUrl: TypeUrl): ResourceIndex;
  /** What a subscription to `name` receives; undefined when the proxy gets nothing by that name. */
  resource(typeUrl: TypeUrl, name: string): Resource | undefined;
}

/**
 * What changed for one view since the stream last looked, per type: the names to reconsider.
 * A type that is absent did not change; `undefined` means unknown, so every name counts.
 */
export type ChangeSet = ReadonlyMap<TypeUrl, ReadonlySet<string>> | undefined;
