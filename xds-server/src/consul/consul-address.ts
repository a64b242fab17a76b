import { ConsulConfigError } from './consul-errors';

export const DEFAULT_CONSUL_HTTP_ADDR = 'http://127.0.0.1:8500';

/** The environment variables the Consul CLI reads for its HTTP API, and that we honour the same way. */
export interface ConsulEnv {
  readonly CONSUL_HTTP_ADDR?: string | undefined;
  readonly CONSUL_HTTP_SSL?: string | undefined;
}

/**
 * The base URL of Consul's HTTP API, e.g. `http://127.0.0.1:8500`, from `CONSUL_HTTP_ADDR`.
 * Accepts both forms the Consul CLI accepts: `host:port` and `scheme://host:port`. A bare
 * `host:port` uses https when `CONSUL_HTTP_SSL` is true, as the CLI does.
 */
export function consulAddress(env: ConsulEnv = process.env): string {
  const raw = env.CONSUL_HTTP_ADDR?.trim() ?? '';
  if (raw === '') return DEFAULT_CONSUL_HTTP_ADDR;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  if (/^unix:\/\//i.test(raw)) {
    throw new ConsulConfigError('CONSUL_HTTP_ADDR', raw, 'an http(s) address such as http://127.0.0.1:8500; unix sockets are not supported by the watcher');
  }
  const withScheme = hasScheme ? raw : `${isTrue(env.CONSUL_HTTP_SSL) ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConsulConfigError('CONSUL_HTTP_ADDR', raw, 'host:port or http(s)://host:port, e.g. 127.0.0.1:8500');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConsulConfigError('CONSUL_HTTP_ADDR', raw, 'an http:// or https:// address, e.g. http://127.0.0.1:8500');
  }
  if (url.hostname === '') {
    throw new ConsulConfigError('CONSUL_HTTP_ADDR', raw, 'an address with a host, e.g. 127.0.0.1:8500');
  }
  // Paths, queries and credentials would be silently dropped by `origin`; refuse them instead.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConsulConfigError('CONSUL_HTTP_ADDR', raw, 'only scheme, host and port (no path, query or credentials); use CONSUL_HTTP_TOKEN for ACL tokens');
  }
  return url.origin;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'true'].includes(value.trim().toLowerCase());
}
