import { parse, stringify } from 'yaml';
import { envoyBootstrap } from './envoy-bootstrap';
import { ProxyBootstrapError, renderProxyBootstrap, TOKEN_METADATA_KEY } from './proxy-bootstrap';

const template = stringify(envoyBootstrap({ nodeId: 'api-1', cluster: 'api', metadata: {}, adminPort: 19000, xds: { address: '10.0.0.1', port: 18000 } }));
const grpcServices = (yaml: string) =>
  (parse(yaml) as { dynamic_resources: { ads_config: { grpc_services: Array<{ initial_metadata?: unknown }> } } }).dynamic_resources.ads_config.grpc_services;

describe('renderProxyBootstrap', () => {
  it("adds the token as the ADS stream's x-consul-token metadata, once, however often it runs", () => {
    const once = renderProxyBootstrap(template, 'secret-1', 'api.yaml');
    const twice = renderProxyBootstrap(once, 'secret-2', 'api.yaml');
    expect(grpcServices(once)[0]?.initial_metadata).toEqual([{ key: TOKEN_METADATA_KEY, value: 'secret-1' }]);
    expect(grpcServices(twice)[0]?.initial_metadata).toEqual([{ key: TOKEN_METADATA_KEY, value: 'secret-2' }]);
  });

  it('leaves a bootstrap without a token (Consul without ACLs) as it was', () => {
    expect(parse(renderProxyBootstrap(template, undefined, 'api.yaml'))).toEqual(parse(template));
  });

  it('names the file and the fix for something that is not a generated bootstrap', () => {
    expect(() => renderProxyBootstrap('admin: {}\n', 't', '/opt/mesh/envoy/api.yaml')).toThrow(ProxyBootstrapError);
    expect(() => renderProxyBootstrap('admin: {}\n', 't', '/opt/mesh/envoy/api.yaml')).toThrow(
      '/opt/mesh/envoy/api.yaml: dynamic_resources.ads_config.grpc_services is missing. Give a bootstrap that `mesh generate bootstrap` wrote.',
    );
    expect(() => renderProxyBootstrap('a: [', 't', 'x.yaml')).toThrow(/^x\.yaml: not YAML/);
  });
});
