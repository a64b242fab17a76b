import { ConfigError, type Env } from './env';

export const DEFAULT_CONSUL_HTTP_ADDR = 'http://127.0.0.1:8500';

/** CONSUL_HTTP_ADDR in either form the Consul CLI accepts (`host:port` or `scheme://host:port`), as an origin. */
export function consulHttpAddress(env: Env): string {
  const raw = env.CONSUL_HTTP_ADDR?.trim() ?? '';
  if (raw === '') return DEFAULT_CONSUL_HTTP_ADDR;
  const ssl = ['1', 't', 'true'].includes((env.CONSUL_HTTP_SSL ?? '').trim().toLowerCase());
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${ssl ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError('CONSUL_HTTP_ADDR', raw, 'host:port or http(s)://host:port, e.g. 127.0.0.1:8500');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError('CONSUL_HTTP_ADDR', raw, 'an http(s) origin without a path, e.g. http://127.0.0.1:8500');
  }
  return url.origin;
}
