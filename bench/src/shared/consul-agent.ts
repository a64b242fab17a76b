/** The few Consul agent endpoints the benchmarks drive. */

export class ConsulRequestError extends Error {
  override readonly name = 'ConsulRequestError';
}

async function agentPut(consul: string, path: string, body?: unknown): Promise<void> {
  const url = `${consul}${path}`;
  const response = await fetch(url, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new ConsulRequestError(`PUT ${url} -> ${response.status} ${text.slice(0, 300)}`);
}

export interface InstanceRegistration {
  service: string;
  id: string;
  port: number;
  /** A TTL check that starts passing, so health can be flipped with `setTtlCheck`. */
  ttlCheck?: boolean;
  meta?: Record<string, string>;
}

export function ttlCheckId(instanceId: string): string {
  return `ttl:${instanceId}`;
}

/**
 * Connect.Native puts the instance in /v1/health/connect/<name>, which is where Consul's own
 * xDS finds an upstream's endpoints; without a check the instance counts as passing at once.
 */
export function registerInstance(consul: string, r: InstanceRegistration): Promise<void> {
  return agentPut(consul, '/v1/agent/service/register', {
    ID: r.id,
    Name: r.service,
    Address: '127.0.0.1',
    Port: r.port,
    Meta: r.meta ?? {},
    Connect: { Native: true },
    ...(r.ttlCheck ? { Check: { CheckID: ttlCheckId(r.id), Name: 'bench TTL', TTL: '30m', Status: 'passing' } } : {}),
  });
}

export function deregisterInstance(consul: string, id: string): Promise<void> {
  return agentPut(consul, `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
}

/** Flips an instance's TTL check; Consul syncs a status change to the catalog at once. */
export function setTtlCheck(consul: string, instanceId: string, status: 'pass' | 'fail'): Promise<void> {
  return agentPut(consul, `/v1/agent/check/${status}/${encodeURIComponent(ttlCheckId(instanceId))}`);
}

export interface SidecarClient {
  service: string;
  /** Service ID; the sidecar's ID is `${id}-sidecar-proxy`. */
  id: string;
  appPort: number;
  sidecarPort: number;
  upstreams: Array<{ name: string; localBindPort: number }>;
}

/** A service instance with a Connect sidecar whose upstreams are the given services. */
export function registerSidecarClient(consul: string, client: SidecarClient): Promise<void> {
  return agentPut(consul, '/v1/agent/service/register', {
    ID: client.id,
    Name: client.service,
    Address: '127.0.0.1',
    Port: client.appPort,
    Connect: {
      SidecarService: {
        Port: client.sidecarPort,
        Proxy: { Upstreams: client.upstreams.map((u) => ({ DestinationName: u.name, LocalBindPort: u.localBindPort })) },
      },
    },
  });
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function inBatches<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
