import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, Metadata, status, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Envoy's protos as @grpc/grpc-js-xds ships them. */
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

let ads: ServiceClientConstructor | undefined;
function adsClient(): ServiceClientConstructor {
  if (!ads) {
    const definition = loadSync('envoy/service/discovery/v3/ads.proto', {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d)),
    });
    const pkg = loadPackageDefinition(definition) as unknown as { envoy: { service: { discovery: { v3: GrpcObject } } } };
    ads = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService as ServiceClientConstructor;
  }
  return ads;
}

export interface RawAdsOutcome {
  /** Responses received before the stream ended, with their resources' type URLs. */
  responses: Array<{ type_url: string; resources?: Array<{ type_url: string }> }>;
  /** The status the server ended the stream with; undefined if it was still open at the deadline. */
  code: status | undefined;
  details: string;
}

/**
 * Writes `requests` on `call` and gathers what comes back until the server ends the stream
 * or `waitMs` passes. Our own cancel at the deadline is not the server's doing: nothing after
 * it is recorded.
 */
async function exchange<Req, Res>(call: ClientDuplexStream<Req, Res>, requests: readonly Req[], waitMs: number): Promise<{ responses: Res[]; code: status | undefined; details: string }> {
  const outcome = { responses: [] as Res[], code: undefined as status | undefined, details: '' };
  let done = false;
  try {
    await new Promise<void>((resolve) => {
      const finish = () => {
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, waitMs);
      call.on('data', (response: Res) => done || outcome.responses.push(response));
      call.on('error', (error: Error & { code?: status; details?: string }) => {
        if (done) return;
        outcome.code = error.code;
        outcome.details = error.details ?? error.message;
        finish();
      });
      call.on('end', () => done || finish());
      for (const request of requests) call.write(request);
    });
  } finally {
    call.cancel();
  }
  return outcome;
}

/**
 * One state-of-the-world ADS stream as a hand-rolled client (not Envoy) would open it: sends
 * `requests` with the given metadata, and reports what came back within `waitMs`.
 */
export async function rawAds(
  target: string,
  requests: Array<{ node?: { id: string; cluster: string; metadata?: unknown }; type_url: string; resource_names?: string[] }>,
  options: { token?: string; waitMs?: number } = {},
): Promise<RawAdsOutcome> {
  const client = new (adsClient())(target, credentials.createInsecure());
  const metadata = new Metadata();
  if (options.token) metadata.set('x-consul-token', options.token);
  const call = (client as unknown as { StreamAggregatedResources(m: Metadata): ClientDuplexStream<object, RawAdsOutcome['responses'][number]> }).StreamAggregatedResources(metadata);
  try {
    return await exchange(call, requests, options.waitMs ?? 3000);
  } finally {
    client.close();
  }
}

/** The same, with requests as raw bytes (malformed ones included); responses are counted, not decoded. */
export async function rawAdsBytes(target: string, requests: Buffer[], waitMs = 2000): Promise<{ responses: number; code: status | undefined; details: string }> {
  const client = new (adsClient())(target, credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    (b: Buffer) => b,
    (b: Buffer) => b,
  );
  try {
    const outcome = await exchange(call, requests, waitMs);
    return { ...outcome, responses: outcome.responses.length };
  } finally {
    client.close();
  }
}
