import { credentials, loadPackageDefinition, status, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import pino from 'pino';
import { caSnapshotFixture } from '../consul/connect-ca.spec-helper';
import { MeshState } from '../translate/mesh-state';
import { xdsPackageDefinition } from '../resources/protos';
import { TypeUrl } from '../resources/type-url';
import type { StreamAuthorizer, StreamPeer, StreamVerdict } from './stream-authorizer';
import type { WireSotwRequest, WireSotwResponse } from './wire';
import { XdsGrpcServer } from './xds-grpc-server';
import { XdsMetrics } from './xds-metrics';

type Ads = InstanceType<ServiceClientConstructor> & {
  StreamAggregatedResources(): ClientDuplexStream<WireSotwRequest, WireSotwResponse>;
};

/** Verdicts by claimed service, and the peers it was asked about. */
class TableAuthorizer implements StreamAuthorizer {
  readonly asked: StreamPeer[] = [];
  constructor(private readonly verdicts: Record<string, StreamVerdict>) {}
  authorize(peer: StreamPeer): Promise<StreamVerdict> {
    this.asked.push(peer);
    return Promise.resolve(this.verdicts[peer.service] ?? { allowed: false, code: status.PERMISSION_DENIED, reason: 'not in the table' });
  }
  watch(): () => void {
    return () => undefined;
  }
}

describe('XdsGrpcServer with a stream authorizer', () => {
  const mesh = new MeshState();
  const authorizer = new TableAuthorizer({
    trusted: { allowed: true, secrets: true },
    keyless: { allowed: true, secrets: false },
  });
  const server = new XdsGrpcServer(mesh, new XdsMetrics(), pino({ level: 'silent' }), { authorizer });
  let client: Ads;

  beforeAll(async () => {
    mesh.updateCa(caSnapshotFixture({ trusted: 1, keyless: 1, refused: 1 }));
    mesh.update({ services: new Map(['trusted', 'keyless', 'refused'].map((name) => [name, { name, protocol: 'http' as const, endpoints: [] }])) });
    const port = await server.start({ host: '127.0.0.1', port: 0 });
    const pkg = loadPackageDefinition(xdsPackageDefinition()) as unknown as { envoy: GrpcObject };
    const Ctor = ((pkg.envoy.service as GrpcObject).discovery as GrpcObject).v3 as GrpcObject;
    client = new (Ctor.AggregatedDiscoveryService as ServiceClientConstructor)(`127.0.0.1:${port}`, credentials.createInsecure()) as Ads;
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  /** Everything one SDS request for identity and roots gets within 500 ms, and how the stream ended. */
  async function askForSecrets(service: string): Promise<{ secrets: string[]; code: status | undefined }> {
    const stream = client.StreamAggregatedResources();
    const secrets: string[] = [];
    let code: status | undefined;
    stream.on('data', (response: WireSotwResponse) => secrets.push(...response.resources.map((r) => r.type_url)));
    const ended = new Promise<void>((resolve) => {
      stream.on('error', (error: { code?: status }) => {
        code = error.code;
        resolve();
      });
      setTimeout(resolve, 500);
    });
    stream.write({ node: { id: `${service}-1`, cluster: service, user_agent_name: 'envoy' }, type_url: TypeUrl.Secret, resource_names: ['identity', 'roots'] });
    await ended;
    stream.cancel();
    return { secrets, code };
  }

  it('sends an allowed stream its identity and the roots', async () => {
    expect(await askForSecrets('trusted')).toEqual({ secrets: [TypeUrl.Secret, TypeUrl.Secret], code: undefined });
  });

  it('withholds every secret from a stream allowed without secrets', async () => {
    expect(await askForSecrets('keyless')).toEqual({ secrets: [], code: undefined });
  });

  it('ends a refused stream with the verdict, having sent it nothing', async () => {
    expect(await askForSecrets('refused')).toEqual({ secrets: [], code: status.PERMISSION_DENIED });
  });

  it('asks about the claimed service with the peer address and no token', () => {
    expect(authorizer.asked.map((p) => [p.service, p.address, p.token])).toEqual([
      ['trusted', '127.0.0.1', undefined],
      ['keyless', '127.0.0.1', undefined],
      ['refused', '127.0.0.1', undefined],
    ]);
  });
});
