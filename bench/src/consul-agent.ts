/** The few Consul agent endpoints the benchmark drives. */

export class ConsulRequestError extends Error {
  override readonly name = 'ConsulRequestError';
}

async function agentPut(consul: string, path: string, body?: unknown): Promise<void> {
  const url = `${consul}${path}`;
  const response = await fetch(url, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new ConsulRequestError(`PUT ${url} -> ${response.status} ${text.slice(0, 300)}`);
}

/**
 * An instance with no checks, so it counts as passing at once. Connect.Native puts it in
 * /v1/health/connect/<name>, which is where Consul's own xDS finds an upstream's endpoints.
 */
export function registerInstance(consul: string, service: string, id: string, port: number): Promise<void> {
  return agentPut(consul, '/v1/agent/service/register', {
    ID: id,
    Name: service,
    Address: '127.0.0.1',
    Port: port,
    Connect: { Native: true },
  });
}

export function deregisterInstance(consul: string, id: string): Promise<void> {
  return agentPut(consul, `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
}

export interface SidecarClient {
  service: string;
  appPort: number;
  sidecarPort: number;
  upstream: string;
  upstreamLocalPort: number;
}

/** A service with a Connect sidecar whose only upstream is the service under change. */
export function registerSidecarClient(consul: string, client: SidecarClient): Promise<void> {
  return agentPut(consul, '/v1/agent/service/register', {
    ID: client.service,
    Name: client.service,
    Address: '127.0.0.1',
    Port: client.appPort,
    Connect: {
      SidecarService: {
        Port: client.sidecarPort,
        Proxy: { Upstreams: [{ DestinationName: client.upstream, LocalBindPort: client.upstreamLocalPort }] },
      },
    },
  });
}
