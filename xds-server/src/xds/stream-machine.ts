import type { ChangeSet, NodeView } from '../resources/node-view';
import type { NackRecord } from './nack-record';
import type { Interest } from './subscriber-index';
import type { TypeUrl } from '../resources/type-url';

/** What a request did, as the session needs to know it. */
export interface RequestOutcome<Res> {
  readonly responses: readonly Res[];
  readonly nack?: NackRecord;
  /** Set when the request was ignored entirely (a stale SotW nonce). */
  readonly ignored?: string;
  /** True when the request changed what the stream subscribes to. */
  readonly subscriptionChanged?: boolean;
}

/** The protocol state machine a session drives: SotwStream or DeltaStream. */
export interface StreamMachine<Req extends { typeUrl: TypeUrl }, Res extends { typeUrl: TypeUrl }> {
  handleRequest(request: Req, view: NodeView): RequestOutcome<Res>;
  /** The responses `changes` call for; only the changed names are looked at. */
  handleViewChange(view: NodeView, changes: ChangeSet): Res[];
  /** The removals of clusters and endpoints held back while a listener or route was on its way, once none is. */
  releaseRetained(view: NodeView): Res[];
  /** The nonce of the type's latest response while the client has not answered it. */
  awaitingNonce(typeUrl: TypeUrl): string | undefined;
  stillCurrent(response: Res): boolean;
  interest(typeUrl: TypeUrl): Interest | undefined;
  ackedVersion(typeUrl: TypeUrl): string | undefined;
  lastNack(typeUrl: TypeUrl): NackRecord | undefined;
  subscriptions(): Array<{ typeUrl: TypeUrl; awaitingNonce: string | undefined }>;
}
