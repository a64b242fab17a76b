import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { context, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { tracer } from '../telemetry/tracer';
import type { SnapshotChange, SnapshotSource } from './snapshot-source';
import { OutboundQueue } from './outbound-queue';
import { proxyNode, type NodeMessage, type ProxyNode } from './proxy-node';
import type { PushEngine, PushTarget } from './push-engine';
import type { ChangeSet, NodeView } from '../resources/node-view';
import type { NackRecord } from './nack-record';
import type { StreamAdmission } from './stream-admission';
import { peerAddress, type StreamAuthorizer, type StreamPeer } from './stream-authorizer';
import { withoutSecrets } from './secretless-view';
import type { StreamMachine } from './stream-machine';
import { DEFAULT_MAX_HOLD_MS, WarmingGate } from './warming-gate';
import type { Interest } from './subscriber-index';
import { TYPE_SHORT_NAME, TypeUrl } from '../resources/type-url';
import { RejectedRequest, TooManyResourceNamesError, UnknownTypeUrlError } from './wire';
import type { XdsMetrics } from './xds-metrics';

export interface SessionCodec<WireReq, Req, Res, WireRes> {
  protocol: 'sotw' | 'delta';
  /** True on the per-type services: their clients may have no ADS stream. */
  perTypeServices: boolean;
  decode(wire: WireReq): Req;
  encode(response: Res): WireRes;
  node(wire: WireReq): NodeMessage | null | undefined;
}

export interface SessionDeps {
  mesh: Pick<SnapshotSource, 'ready' | 'whenReady'>;
  engine: PushEngine<PushTarget>;
  admission: StreamAdmission;
  authorizer: StreamAuthorizer;
  metrics: XdsMetrics;
  logger: Logger;
  onClose(session: AnySession): void;
}

/** What /info, `mesh status` and metrics read of a stream's protocol state, whatever its protocol. */
export interface StreamState {
  ackedVersion(typeUrl: TypeUrl): string | undefined;
  lastNack(typeUrl: TypeUrl): NackRecord | undefined;
  subscriptions(): ReadonlyArray<{ typeUrl: TypeUrl; awaitingNonce: string | undefined }>;
}

/** A session whatever its protocol, as registries hold it. */
export interface AnySession {
  readonly id: number;
  readonly connectedSince: Date;
  readonly protocol: 'sotw' | 'delta';
  /** The peer's IP address, as the connection shows it (not as the proxy claims). */
  readonly peerAddress: string;
  readonly node: ProxyNode | undefined;
  readonly state: StreamState;
  lastAnswer(typeUrl: TypeUrl): LastAnswer | undefined;
  /** What the proxy subscribes to of a type (read-only; the console's intended config). */
  interest(typeUrl: TypeUrl): Interest | undefined;
  /** Ends the stream with UNAVAILABLE: the server is going away, and the proxy should come back, here or to another replica. */
  shutdown(): void;
}

/** A response in the outbound queue, with the translation span of the mesh change that produced it, if one did. */
interface Outbound<Res extends { typeUrl: TypeUrl }> {
  readonly typeUrl: TypeUrl;
  readonly response: Res;
  readonly cause: SpanContext | undefined;
}

let sessionCounter = 0;
/** Requests held per stream before it is ready or admitted; a proxy sends a handful per type while it waits. */
const MAX_EARLY_REQUESTS = 64;

/**
 * The proxy's latest word on a type: NACK when its latest accepted request carried an
 * error, ACK otherwise. A request that only changes subscriptions, sent after the
 * rejected resource went away, clears an earlier NACK.
 */
export type LastAnswer = 'ACK' | 'NACK';

/**
 * One ADS (or per-type xDS) stream: decodes requests, feeds them and the mesh changes the
 * push engine routes to it to the protocol state machine, and writes the responses through
 * the stream's ordered queue, one write in flight. A new stream is authorized first (from
 * its first request's node and its call metadata), then waits for the first catalog and for
 * its turn in the admission queue; its requests are held meanwhile, in order, and it
 * receives nothing until it is allowed.
 */
export class AdsSession<WireReq, Req extends { typeUrl: TypeUrl }, Res extends { typeUrl: TypeUrl }, WireRes> implements PushTarget, AnySession {
  readonly id = ++sessionCounter;
  readonly connectedSince = new Date();
  readonly peerAddress: string;
  private proxy: ProxyNode | undefined;
  private readonly queue: OutboundQueue<Outbound<Res>>;
  private readonly gate: WarmingGate;
  private lastChangeObservedAt: bigint | undefined;
  private closed = false;
  private joined = false;
  private log: Logger;
  private readonly answers = new Map<TypeUrl, LastAnswer>();
  /** Requests that arrived before the stream could be served; answered, in order, once it can. */
  private readonly early: WireReq[] = [];
  private waiting: 'authorization' | 'ready' | 'admission' | undefined;
  /** Undefined until the authorizer allowed the stream; then whether it may receive secrets. */
  private secrets: boolean | undefined;
  private stopWatching: (() => void) | undefined;
  private admitted = false;
  private withdraw: (() => void) | undefined;
  private readonly unknownTypes = new Set<string>();

  constructor(
    private readonly call: ServerDuplexStream<WireReq, WireRes>,
    private readonly machine: StreamMachine<Req, Res>,
    private readonly codec: SessionCodec<WireReq, Req, Res, WireRes>,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.logger.child({ stream: this.id, protocol: codec.protocol });
    this.peerAddress = peerAddress(call.getPeer());
    this.gate = new WarmingGate({
      awaitingClusters: () => machine.awaitingNonce(TypeUrl.Cluster),
      maxHoldMs: DEFAULT_MAX_HOLD_MS,
      onExpired: (nonce) => {
        this.log.warn({ nonce, seconds: DEFAULT_MAX_HOLD_MS / 1000 }, 'the proxy has not answered its clusters; listeners and routes go out without waiting for them to warm');
        this.queue.retry();
      },
      onReleased: (ms, outcome) => deps.metrics.warmingHoldSeconds.observe({ outcome }, ms / 1000),
    });
    this.queue = new OutboundQueue<Outbound<Res>>({
      write: (outbound, done) => this.write(outbound, done),
      stillCurrent: (outbound) => machine.stillCurrent(outbound.response),
      holds: (typeUrl) => this.gate.holds(typeUrl),
    });
    deps.metrics.connectedStreams.inc({ protocol: codec.protocol });
    call.on('data', (wire: WireReq) => this.onRequest(wire));
    call.on('end', () => {
      call.end();
      this.close('client ended the stream');
    });
    call.on('error', (error) => this.close(`stream error: ${error.message}`));
    call.on('cancelled', () => this.close('cancelled'));
  }

  get protocol(): 'sotw' | 'delta' {
    return this.codec.protocol;
  }

  get node(): ProxyNode | undefined {
    return this.proxy;
  }

  get state(): StreamMachine<Req, Res> {
    return this.machine;
  }

  lastAnswer(typeUrl: TypeUrl): LastAnswer | undefined {
    return this.answers.get(typeUrl);
  }

  interest(typeUrl: TypeUrl): Interest | undefined {
    return this.machine.interest(typeUrl);
  }

  /** Called by the push engine, in batches: the view changed in `changes`. */
  push(view: NodeView, changes: ChangeSet, cause: SnapshotChange): void {
    if (this.closed) return;
    this.lastChangeObservedAt = cause.observedAt;
    for (const response of this.machine.handleViewChange(this.visible(view), changes)) {
      this.queue.enqueue({ typeUrl: response.typeUrl, response, cause: cause.trace });
    }
  }

  private onRequest(wire: WireReq): void {
    if (this.closed) return;
    if (wire instanceof RejectedRequest) return this.fail(status[wire.code], wire.reason);
    if (this.waiting !== undefined || !this.servable(wire)) {
      if (this.early.length >= MAX_EARLY_REQUESTS) return this.fail(status.RESOURCE_EXHAUSTED, `too many requests while the stream waits (${this.waiting})`);
      this.early.push(wire);
      return;
    }
    let request: Req;
    try {
      request = this.codec.decode(wire);
    } catch (error) {
      if (error instanceof UnknownTypeUrlError) {
        // Proxies may ask for types this server does not serve (RTDS, VHDS, ...); ending the
        // stream would cut them off from everything else, so the request goes unanswered.
        if (!this.unknownTypes.has(error.typeUrl)) this.log.warn({ typeUrl: error.typeUrl }, error.message);
        this.unknownTypes.add(error.typeUrl);
        return;
      }
      if (error instanceof TooManyResourceNamesError) return this.fail(status.RESOURCE_EXHAUSTED, error.message);
      this.fail(status.INVALID_ARGUMENT, error instanceof Error ? error.message : String(error));
      return;
    }
    if (!this.joined) {
      this.joined = true;
      this.deps.engine.join(this);
    }
    const view = this.visible(this.deps.engine.view(this));
    const outcome = this.machine.handleRequest(request, view);
    if (outcome.subscriptionChanged) this.deps.engine.reindex(this, [request.typeUrl]);
    if (!outcome.ignored) this.answers.set(request.typeUrl, outcome.nack ? 'NACK' : 'ACK');
    if (outcome.nack) {
      const type = TYPE_SHORT_NAME[outcome.nack.typeUrl];
      this.deps.metrics.nacks.inc({ type });
      this.log.warn(
        { type, version: outcome.nack.rejectedVersion, resources: outcome.nack.resourceNames, error: outcome.nack.error.message },
        'proxy rejected a response (NACK); it keeps what it last accepted, and the rejected content is not resent as it was',
      );
    }
    for (const response of outcome.responses) this.queue.enqueue({ typeUrl: response.typeUrl, response, cause: undefined });
    // An answer may be the one that listeners and routes wait for, or that lets go of retained clusters.
    this.gate.answered();
    for (const response of this.machine.releaseRetained(view)) this.queue.enqueue({ typeUrl: response.typeUrl, response, cause: undefined });
    this.queue.retry();
  }

  /** What this stream may be sent of a view: everything, or everything but SDS secrets. */
  private visible(view: NodeView): NodeView {
    return this.secrets === false ? withoutSecrets(view) : view;
  }

  /**
   * Whether requests can be answered now. The stream is authorized first, from its first
   * request. Before the first catalog an empty answer would delete every cluster of a proxy
   * reconnecting after a restart, so the stream waits; then it waits for its admission turn,
   * which bounds how fast a reconnect storm is taken on.
   */
  private servable(first: WireReq): boolean {
    if (this.secrets === undefined) {
      this.authorize(first);
      return false;
    }
    if (!this.deps.mesh.ready) {
      if (this.waiting === undefined) {
        this.waiting = 'ready';
        this.log.info('holding requests until the first Consul catalog is in');
        this.withdraw = this.deps.mesh.whenReady(() => {
          this.waiting = undefined;
          this.withdraw = undefined;
          this.release();
        });
      }
      return false;
    }
    if (this.admitted) return true;
    this.waiting = 'admission';
    let inCall = true;
    this.withdraw = this.deps.admission.admit(() => {
      this.admitted = true;
      this.waiting = undefined;
      this.withdraw = undefined;
      if (!inCall) this.release();
    });
    inCall = false;
    return this.admitted;
  }

  private release(): void {
    for (const wire of this.early.splice(0)) this.onRequest(wire);
  }

  private authorize(first: WireReq): void {
    this.waiting = 'authorization';
    let peer: StreamPeer;
    try {
      this.proxy = proxyNode(this.codec.node(first) ?? {}, { perTypeServices: this.codec.perTypeServices, protocol: this.codec.protocol });
      const token = this.call.metadata.get('x-consul-token')[0];
      peer = { token: typeof token === 'string' && token !== '' ? token : undefined, service: this.proxy.identity.service, address: this.peerAddress };
    } catch (error) {
      return this.fail(status.INVALID_ARGUMENT, error instanceof Error ? error.message : String(error));
    }
    this.log = this.log.child({ proxy: this.proxy.identity.id, service: this.proxy.identity.service });
    this.log.info({ kind: this.proxy.identity.kind, peer: peer.address }, 'proxy connected');
    this.deps.authorizer.authorize(peer).then(
      (verdict) => {
        if (this.closed) return;
        if (!verdict.allowed) {
          this.log.warn({ code: status[verdict.code], reason: verdict.reason }, 'stream refused');
          return this.fail(verdict.code, verdict.reason);
        }
        this.secrets = verdict.secrets;
        if (!verdict.secrets) this.log.warn('no SDS secrets for this stream: Consul ACLs are off and the peer is not on this host');
        this.stopWatching = this.deps.authorizer.watch(peer, (denial) => {
          this.log.warn({ code: status[denial.code], reason: denial.reason }, 'stream authorization withdrawn');
          this.fail(denial.code, denial.reason);
        });
        this.waiting = undefined;
        this.release();
      },
      (error: unknown) => this.fail(status.UNAVAILABLE, `cannot authorize the stream: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private write({ response, cause }: Outbound<Res>, done: () => void): void {
    const type = TYPE_SHORT_NAME[response.typeUrl];
    this.deps.metrics.pushes.inc({ type });
    if (this.lastChangeObservedAt !== undefined) {
      // The first write after a change is the one that propagates it.
      const seconds = Number(process.hrtime.bigint() - this.lastChangeObservedAt) / 1e9;
      this.deps.metrics.propagationSeconds.observe({ type }, seconds);
      this.lastChangeObservedAt = undefined;
    }
    this.log.debug({ type }, 'push');
    // A push caused by a mesh change joins that change's trace; one answering a request stands alone.
    const parent = cause ? trace.setSpanContext(context.active(), cause) : context.active();
    const span = tracer.startSpan(
      'xds.push',
      { kind: SpanKind.SERVER, attributes: { 'xds.type': type, 'xds.protocol': this.codec.protocol, 'xds.node_id': this.proxy?.identity.id ?? '' } },
      parent,
    );
    try {
      this.call.write(this.codec.encode(response), () => done());
    } finally {
      span.end();
    }
  }

  shutdown(): void {
    if (!this.closed) this.fail(status.UNAVAILABLE, 'the control plane is shutting down; reconnect to it or to another replica');
  }

  private fail(code: status, details: string): void {
    // Closed first, so that the 'error' this emits (grpc-js's way to end a call with a status) is not logged as the reason.
    this.close(details);
    this.call.emit('error', { code, details });
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.gate.stop();
    this.withdraw?.();
    this.stopWatching?.();
    this.early.length = 0;
    if (this.joined) this.deps.engine.leave(this);
    this.deps.metrics.connectedStreams.dec({ protocol: this.codec.protocol });
    this.log.info({ reason }, 'stream closed');
    this.deps.onClose(this);
  }
}
