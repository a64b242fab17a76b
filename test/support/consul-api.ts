/** Thin helpers over Consul's agent HTTP API, for arranging test scenarios. */
export interface ServiceRegistration {
  id: string;
  name: string;
  port: number;
  address?: string;
  meta?: Record<string, string>;
  /** HTTP check URL, polled every second. */
  httpCheck?: string;
  /** gRPC health check target (`host:port`, plaintext), polled every second. */
  grpcCheck?: string;
  /** The ACL token to register with, when Consul runs ACLs. */
  token?: string;
}

const CHECK_TIMING = { Interval: '1s', Timeout: '1s', DeregisterCriticalServiceAfter: '10m' };

async function put(url: string, body?: unknown, token?: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body), ...(token ? { headers: { 'x-consul-token': token } } : {}) });
  if (!response.ok) throw new Error(`PUT ${url} -> ${response.status} ${await response.text()}`);
}

export function registerService(consul: string, service: ServiceRegistration): Promise<void> {
  return put(`${consul}/v1/agent/service/register`, {
    ID: service.id,
    Name: service.name,
    Address: service.address ?? '127.0.0.1',
    Port: service.port,
    Meta: service.meta ?? {},
    ...(service.httpCheck ? { Check: { HTTP: service.httpCheck, ...CHECK_TIMING } } : {}),
    ...(service.grpcCheck ? { Check: { GRPC: service.grpcCheck, GRPCUseTLS: false, ...CHECK_TIMING } } : {}),
  }, service.token);
}

export function deregisterService(consul: string, id: string): Promise<void> {
  return put(`${consul}/v1/agent/service/deregister/${encodeURIComponent(id)}`);
}
