import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { context, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { tracer } from '../telemetry/tracer';
import { localServiceFor } from '../translate/local-service';
import type { MeshChange, MeshState } from './mesh-state';
import { OutboundQueue } from './outbound-queue';
import { proxyNode, type NodeMessage, type ProxyNode } from './proxy-node';
import type { NackRecord, NodeView } from './resource';
import { TYPE_SHORT_NAME, type TypeUrl } from './type-url';
import { UnknownTypeUrlError } from './wire';
import type { XdsMetrics } from './xds-metrics';

/** The protocol state machine a session drives: SotwStream or DeltaStream. */
export interface StreamMachine<Req extends { typeUrl: TypeUrl }, Res extends { typeUrl: TypeUrl }> {
  handleRequest(
    request: Req,
    view: NodeView,
  ): { responses: readonly Res[]; nack?: NackRecord; ignored?: string };
  handleViewChange(view: NodeView): Res[];
  stillCurrent(response: Res): boolean;
  ackedVersion(typeUrl: TypeUrl): string | undefined;
  lastNack(typeUrl: TypeUrl): NackRecord | undefined;
  subscriptions(): Array<{ typeUrl: TypeUrl; awaitingNonce: string | undefined }>;
}

export interface SessionCodec<WireReq, Req, Res, WireRes> {
  protocol: 'sotw' | 'delta';
  /** True on the per-type services: their clients may have no ADS stream. */
  perTypeServices: boolean;
  decode(wire: WireReq): Req;
  encode(response: Res): WireRes;
  node(wire: WireReq): NodeMessage | null | undefined;
}

export interface SessionDeps {
  mesh: MeshState;
  metrics: XdsMetrics;
  logger: Logger;
  onClose(session: AdsSession<unknown, { typeUrl: TypeUrl }, { typeUrl: TypeUrl }, unknown>): void;
}

let sessionCounter = 0;
const MAX_EARLY_REQUESTS = 64;

/**
 * The proxy's latest word on a type: NACK when its latest accepted request carried an
 * error, ACK otherwise. A request that only changes subscriptions, sent after the
 * rejected resource went away, clears an earlier NACK.
 */
export type LastAnswer = 'ACK' | 'NACK';

/**
 * One ADS (or per-type xDS) stream: decodes requests, feeds them and every mesh change
 * to the protocol state machine, and writes the responses through the stream's ordered,
 * backpressure-aware queue. Per-node state lives only as long as the stream.
 */
export class AdsSession<WireReq, Req extends { typeUrl: TypeUrl }, Res extends { typeUrl: TypeUrl }, WireRes> {
  readonly id = ++sessionCounter;
  readonly connectedSince = new Date();
  private proxy: ProxyNode | undefined;
  private readonly queue: OutboundQueue<Res>;
  private unsubscribe: (() => void) | undefined;
  private lastChangeObservedAt: bigint | undefined;
  /** The translation span behind each response a mesh change produced. */
  private readonly causes = new WeakMap<Res, SpanContext>();
  private closed = false;
  private log: Logger;
  private readonly answers = new Map<TypeUrl, LastAnswer>();
  /** Requests that arrived before the first catalog; answered, in order, once it is in. */
  private readonly early: WireReq[] = [];
  private readonly unknownTypes = new Set<string>();

  constructor(
    private readonly call: ServerDuplexStream<WireReq, WireRes>,
    private readonly machine: StreamMachine<Req, Res>,
    private readonly codec: SessionCodec<WireReq, Req, Res, WireRes>,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.logger.child({ stream: this.id, protocol: codec.protocol });
    this.queue = new OutboundQueue<Res>({
      write: (response) => this.write(response),
      onceDrain: (resume) => call.once('drain', resume),
      stillCurrent: (response) => machine.stillCurrent(response),
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

  private view(): NodeView {
    const proxy = this.proxy as ProxyNode;
    const snapshot = this.deps.mesh.snapshot;
    return snapshot.viewFor(proxy.identity, localServiceFor(snapshot.model, proxy.identity.service, proxy.serviceInstanceId));
  }

  private onRequest(wire: WireReq): void {
    if (this.closed) return;
    if (!this.deps.mesh.ready) {
      // A proxy sends a handful of requests per type while it waits, so this stays small.
      if (this.early.length >= MAX_EARLY_REQUESTS) return this.fail(status.RESOURCE_EXHAUSTED, 'too many requests before the control plane had its first catalog');
      if (this.early.push(wire) === 1) {
        this.log.info('holding requests until the first Consul catalog is in');
        this.deps.mesh.whenReady(() => this.early.splice(0).forEach((w) => this.onRequest(w)));
      }
      return;
    }
    let request: Req;
    try {
      request = this.codec.decode(wire);
    } catch (error) {
      if (error instanceof UnknownTypeUrlError) {
        // Proxies may ask for types this server does not serve (RTDS, SRDS, ...); ending the
        // stream would cut them off from everything else, so the request goes unanswered.
        if (!this.unknownTypes.has(error.typeUrl)) this.log.warn({ typeUrl: error.typeUrl }, error.message);
        this.unknownTypes.add(error.typeUrl);
        return;
      }
      this.fail(status.INVALID_ARGUMENT, error instanceof Error ? error.message : String(error));
      return;
    }
    if (!this.proxy) {
      this.proxy = proxyNode(this.codec.node(wire) ?? {}, { perTypeServices: this.codec.perTypeServices, protocol: this.codec.protocol });
      this.log = this.log.child({ proxy: this.proxy.identity.id, service: this.proxy.identity.service });
      this.log.info({ kind: this.proxy.identity.kind }, 'proxy connected');
      this.unsubscribe = this.deps.mesh.subscribe((change) => this.onMeshChange(change));
    }
    const outcome = this.machine.handleRequest(request, this.view());
    if (!outcome.ignored) this.answers.set(request.typeUrl, outcome.nack ? 'NACK' : 'ACK');
    if (outcome.nack) {
      const type = TYPE_SHORT_NAME[outcome.nack.typeUrl];
      this.deps.metrics.nacks.inc({ type });
      this.log.warn(
        { type, version: outcome.nack.rejectedVersion, resources: outcome.nack.resourceNames, error: outcome.nack.error.message },
        'proxy rejected a response (NACK); holding this type until its content changes',
      );
    }
    for (const response of outcome.responses) this.queue.enqueue(response);
  }

  private onMeshChange(change: MeshChange): void {
    this.lastChangeObservedAt = change.observedAt;
    for (const response of this.machine.handleViewChange(this.view())) {
      this.causes.set(response, change.trace);
      this.queue.enqueue(response);
    }
  }

  private write(response: Res): boolean {
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
    const cause = this.causes.get(response);
    const parent = cause ? trace.setSpanContext(context.active(), cause) : context.active();
    const span = tracer.startSpan(
      'xds.push',
      { kind: SpanKind.SERVER, attributes: { 'xds.type': type, 'xds.protocol': this.codec.protocol, 'xds.node_id': this.proxy?.identity.id ?? '' } },
      parent,
    );
    try {
      return this.call.write(this.codec.encode(response));
    } finally {
      span.end();
    }
  }

  private fail(code: status, details: string): void {
    this.call.emit('error', { code, details });
    this.close(details);
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.unsubscribe?.();
    this.deps.metrics.connectedStreams.dec({ protocol: this.codec.protocol });
    this.log.info({ reason }, 'stream closed');
    this.deps.onClose(this as unknown as AdsSession<unknown, { typeUrl: TypeUrl }, { typeUrl: TypeUrl }, unknown>);
  }
}
