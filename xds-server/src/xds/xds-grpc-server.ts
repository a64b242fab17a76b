import { randomUUID } from 'node:crypto';
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type GrpcObject,
  type ServerDuplexStream,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AdsSession, type AnySession, type SessionCodec, type SessionDeps } from './ads-session';
import { PushEngine, type PushTarget } from './push-engine';
import { StreamAdmission } from './stream-admission';
import { ALLOW_ALL, type StreamAuthorizer } from './stream-authorizer';
import type { StreamMachine } from './stream-machine';
import { DeltaStream } from './delta-stream';
import { decodeSotwRequest, encodeDeltaResponse, encodeSotwResponse } from './discovery-codec';
import type { SnapshotSource } from './snapshot-source';
import { xdsPackageDefinition } from '../resources/protos';
import { SotwStream } from './sotw-stream';
import { TypeUrl } from '../resources/type-url';
import {
  RejectedRequest,
  TooManyResourceNamesError,
  fromWireDelta,
  fromWireSotw,
  toWireDelta,
  toWireSotw,
  type WireDeltaRequest,
  type WireDeltaResponse,
  type WireSotwRequest,
  type WireSotwResponse,
} from './wire';
import type { XdsMetrics } from './xds-metrics';


/**
 * A discovery service's definition, with the hand-written codec (discovery-codec.ts) on the
 * stream methods' hot path: SotW requests and both kinds of responses.
 */
function service(pkg: GrpcObject, path: string): ServiceDefinition {
  const found = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], pkg);
  const definition = (found as ServiceClientConstructor).service;
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => {
      const delta = name.startsWith('Delta');
      const decode = (delta ? method.requestDeserialize : decodeSotwRequest) as (buffer: Buffer) => unknown;
      return [
        name,
        {
          ...method,
          requestDeserialize: (buffer: Buffer) => rejectOrDecode(decode, buffer),
          responseSerialize: (delta ? encodeDeltaResponse : encodeSotwResponse) as (value: unknown) => Buffer,
        },
      ];
    }),
  );
}

/** What the session gets for a request that cannot be taken: a RejectedRequest naming why, never a throw. */
function rejectOrDecode(decode: (buffer: Buffer) => unknown, buffer: Buffer): unknown {
  try {
    return decode(buffer);
  } catch (error) {
    if (error instanceof TooManyResourceNamesError) return new RejectedRequest('RESOURCE_EXHAUSTED', error.message);
    return new RejectedRequest('INVALID_ARGUMENT', `not a DiscoveryRequest: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The per-type discovery services, for clients that do not use ADS. */
const PER_TYPE_SERVICES: Array<{ path: string; sotw: string; delta: string; typeUrl: TypeUrl }> = [
  { path: 'envoy.service.cluster.v3.ClusterDiscoveryService', sotw: 'StreamClusters', delta: 'DeltaClusters', typeUrl: TypeUrl.Cluster },
  { path: 'envoy.service.endpoint.v3.EndpointDiscoveryService', sotw: 'StreamEndpoints', delta: 'DeltaEndpoints', typeUrl: TypeUrl.Endpoint },
  { path: 'envoy.service.listener.v3.ListenerDiscoveryService', sotw: 'StreamListeners', delta: 'DeltaListeners', typeUrl: TypeUrl.Listener },
  { path: 'envoy.service.route.v3.ScopedRoutesDiscoveryService', sotw: 'StreamScopedRoutes', delta: 'DeltaScopedRoutes', typeUrl: TypeUrl.ScopedRoute },
  { path: 'envoy.service.route.v3.RouteDiscoveryService', sotw: 'StreamRoutes', delta: 'DeltaRoutes', typeUrl: TypeUrl.Route },
  { path: 'envoy.service.secret.v3.SecretDiscoveryService', sotw: 'StreamSecrets', delta: 'DeltaSecrets', typeUrl: TypeUrl.Secret },
];

export interface XdsServerOptions {
  host: string;
  port: number;
  /** Default: plaintext. */
  credentials?: ServerCredentials;
}

export interface XdsEngineOptions {
  /** New streams admitted per second; the rest wait their turn (default 1000). */
  maxNewStreamsPerSecond?: number;
  /** Streams pushed to before yielding to the event loop (default 256). */
  pushBatchSize?: number;
  /** Who may be served, and whether with secrets (default: everyone, everything). */
  authorizer?: StreamAuthorizer;
}

/**
 * The gRPC server for ADS (SotW and Delta) and the per-type xDS services. The identifier
 * in every response's control_plane field carries a boot id, so responses from different
 * replicas and restarts can be told apart.
 */
export type { AnySession };

export class XdsGrpcServer {
  readonly bootId = randomUUID().slice(0, 8);
  private readonly server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
  private readonly sessions = new Set<AnySession>();
  private readonly engine: PushEngine<PushTarget>;
  private readonly admission: StreamAdmission;
  private readonly authorizer: StreamAuthorizer;
  private boundPort: number | undefined;

  constructor(
    private readonly mesh: SnapshotSource,
    private readonly metrics: XdsMetrics,
    private readonly logger: Logger,
    options: XdsEngineOptions = {},
  ) {
    this.engine = new PushEngine(mesh, { ...(options.pushBatchSize ? { batchSize: options.pushBatchSize } : {}) });
    this.admission = new StreamAdmission(options.maxNewStreamsPerSecond ?? 1000);
    this.authorizer = options.authorizer ?? ALLOW_ALL;
    const pkg = loadPackageDefinition(xdsPackageDefinition());
    this.server.addService(service(pkg, 'envoy.service.discovery.v3.AggregatedDiscoveryService'), {
      StreamAggregatedResources: (call: ServerDuplexStream<WireSotwRequest, WireSotwResponse>) => this.sotw(call),
      DeltaAggregatedResources: (call: ServerDuplexStream<WireDeltaRequest, WireDeltaResponse>) => this.delta(call),
    } as UntypedServiceImplementation);
    for (const s of PER_TYPE_SERVICES) {
      this.server.addService(service(pkg, s.path), {
        [s.sotw]: (call: ServerDuplexStream<WireSotwRequest, WireSotwResponse>) => this.sotw(call, s.typeUrl),
        [s.delta]: (call: ServerDuplexStream<WireDeltaRequest, WireDeltaResponse>) => this.delta(call, s.typeUrl),
      } as UntypedServiceImplementation);
    }
  }

  get identifier(): string {
    return `consul-envoy-mesh/${this.bootId}`;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  get connected(): readonly AnySession[] {
    return [...this.sessions];
  }

  async start(options: XdsServerOptions): Promise<number> {
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${options.host}:${options.port}`, options.credentials ?? ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    this.logger.info({ port: this.boundPort, tls: options.credentials !== undefined }, 'xDS server listening');
    return this.boundPort;
  }

  async stop(graceMs = 2000): Promise<void> {
    this.engine.stop();
    this.admission.stop();
    // A stream never ends by itself, so waiting for them would only spend the whole grace period:
    // end each with UNAVAILABLE at once, and every proxy starts its reconnect backoff now.
    for (const session of [...this.sessions]) session.shutdown();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private sotw(call: ServerDuplexStream<WireSotwRequest, WireSotwResponse>, fixedType?: TypeUrl): void {
    this.open(call, new SotwStream(streamNonces()), {
      protocol: 'sotw',
      perTypeServices: fixedType !== undefined,
      decode: (wire) => fromWireSotw(wire, fixedType),
      encode: (response) => toWireSotw(response, this.identifier),
      node: (wire) => wire.node,
    });
  }

  private delta(call: ServerDuplexStream<WireDeltaRequest, WireDeltaResponse>, fixedType?: TypeUrl): void {
    this.open(call, new DeltaStream(streamNonces()), {
      protocol: 'delta',
      perTypeServices: fixedType !== undefined,
      decode: (wire) => fromWireDelta(wire, fixedType),
      encode: (response) => toWireDelta(response, this.identifier),
      node: (wire) => wire.node,
    });
  }

  private open<WireReq, Req extends { typeUrl: TypeUrl }, Res extends { typeUrl: TypeUrl }, WireRes>(
    call: ServerDuplexStream<WireReq, WireRes>,
    machine: StreamMachine<Req, Res>,
    codec: SessionCodec<WireReq, Req, Res, WireRes>,
  ): void {
    const deps: SessionDeps = {
      mesh: this.mesh,
      engine: this.engine,
      admission: this.admission,
      authorizer: this.authorizer,
      metrics: this.metrics,
      logger: this.logger,
      onClose: (s) => this.sessions.delete(s),
    };
    this.sessions.add(new AdsSession(call, machine, codec, deps));
  }
}

/** Nonces only need to be unique on their stream: a counter. */
function streamNonces(): { newNonce: () => string } {
  let nonce = 0;
  return { newNonce: () => String(++nonce) };
}
