import { parse, stringify } from 'yaml';

/** The gRPC metadata key Consul's own xDS server, and ours, read a proxy's ACL token from. */
export const TOKEN_METADATA_KEY = 'x-consul-token';

export class ProxyBootstrapError extends Error {
  override readonly name = 'ProxyBootstrapError';
  constructor(file: string, problem: string, fix: string) {
    super(`${file}: ${problem}. ${fix}`);
  }
}

interface GrpcService {
  initial_metadata?: Array<{ key: string; value: string }>;
  [key: string]: unknown;
}

/**
 * A generated bootstrap with the proxy's ACL token added to its ADS gRPC services. Envoy
 * takes gRPC metadata only as literal values, so the token, which must not sit in the
 * generated files, is written in when the proxy starts, as `consul connect envoy
 * -token-file` does. No token (Consul without ACLs) leaves the bootstrap as it is.
 */
export function renderProxyBootstrap(template: string, token: string | undefined, file: string): string {
  let bootstrap: { dynamic_resources?: { ads_config?: { grpc_services?: GrpcService[] } } };
  try {
    bootstrap = parse(template) as typeof bootstrap;
  } catch (error) {
    throw new ProxyBootstrapError(file, `not YAML (${error instanceof Error ? error.message : String(error)})`, 'Regenerate it with `mesh generate bootstrap`.');
  }
  const services = bootstrap?.dynamic_resources?.ads_config?.grpc_services;
  if (!Array.isArray(services) || services.length === 0) {
    throw new ProxyBootstrapError(file, 'dynamic_resources.ads_config.grpc_services is missing', 'Give a bootstrap that `mesh generate bootstrap` wrote.');
  }
  if (token !== undefined) {
    for (const service of services) {
      service.initial_metadata = [...(service.initial_metadata ?? []).filter((m) => m.key !== TOKEN_METADATA_KEY), { key: TOKEN_METADATA_KEY, value: token }];
    }
  }
  return stringify(bootstrap);
}
