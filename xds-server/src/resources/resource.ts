import type { TypeUrl } from './type-url';

/**
 * One xDS resource, encoded to protobuf bytes exactly once and shared by every stream
 * that sends it. `version` is a hash of those bytes, so it is stable across restarts and
 * replicas and changes exactly when the content changes.
 */
export interface Resource {
  readonly typeUrl: TypeUrl;
  readonly name: string;
  readonly version: string;
  /** The encoded message (the `value` of its google.protobuf.Any). */
  readonly bytes: Buffer;
}

/** Resources of one type, by name. */
export type ResourceSet = ReadonlyMap<string, Resource>;
