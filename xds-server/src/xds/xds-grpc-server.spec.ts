import { credentials, loadPackageDefinition, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import pino from 'pino';
import { MeshState } from '../translate/mesh-state';
import { xdsPackageDefinition } from '../resources/protos';
import { TypeUrl } from '../resources/type-url';
import type { WireSotwRequest, WireSotwResponse } from './wire';
import { XdsGrpcServer } from './xds-grpc-server';
import { XdsMetrics } from './xds-metrics';

type Ads = InstanceType<ServiceClientConstructor> & {
  StreamAggregatedResources(): ClientDuplexStream<WireSotwRequest, WireSotwResponse>;
};

describe('XdsGrpcServer (in-process, over a real gRPC connection)', () => {
  const mesh = new MeshState();
  const server = new XdsGrpcServer(mesh, new XdsMetrics(), pino({ level: 'silent' }));
  let client: Ads;

  beforeAll(async () => {
    const port = await server.start({ host: '127.0.0.1', port: 0 });
    const pkg = loadPackageDefinition(xdsPackageDefinition()) as unknown as { envoy: GrpcObject };
    const Ctor = ((pkg.envoy.service as GrpcObject).discovery as GrpcObject).v3 as GrpcObject;
    client = new (Ctor.AggregatedDiscoveryService as ServiceClientConstructor)(`127.0.0.1:${port}`, credentials.createInsecure()) as Ads;
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  function nextResponse(stream: ClientDuplexStream<WireSotwRequest, WireSotwResponse>): Promise<WireSotwResponse> {
    return new Promise((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
  }

  it('holds requests until the first catalog is in, then answers them', async () => {
    const stream = client.StreamAggregatedResources();
    const answered = nextResponse(stream);
    stream.write({ node: { id: 'a', cluster: 'client', user_agent_name: 'envoy' }, type_url: TypeUrl.Cluster });
    let early = false;
    void answered.then(() => (early = !mesh.ready));
    await new Promise((r) => setTimeout(r, 100));
    expect(mesh.ready).toBe(false);

    mesh.update({ services: new Map([['echo', { name: 'echo', protocol: 'http', endpoints: [] }]]) });
    const response = await answered;
    expect(early).toBe(false);
    expect(response.type_url).toBe(TypeUrl.Cluster);
    expect(response.resources.map((r) => r.type_url)).toEqual([TypeUrl.Cluster]);
    expect(response.control_plane.identifier).toBe(server.identifier);
    stream.end();
  });

  it('leaves a request for a type it does not serve unanswered, and keeps serving the stream', async () => {
    const stream = client.StreamAggregatedResources();
    const first = nextResponse(stream);
    stream.write({ node: { id: 'b', cluster: 'client', user_agent_name: 'envoy' }, type_url: 'type.googleapis.com/envoy.service.runtime.v3.Runtime' });
    stream.write({ type_url: TypeUrl.Cluster });
    const response = await first;
    expect(response.type_url).toBe(TypeUrl.Cluster);
    stream.end();
  });
});
