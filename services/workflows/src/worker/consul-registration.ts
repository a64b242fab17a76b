import type { WorkerConfig } from './worker-config';

export class ConsulRegistrationError extends Error {
  override readonly name = 'ConsulRegistrationError';
  constructor(action: string, consulAddr: string, detail: string) {
    super(`${action} at Consul ${consulAddr} failed: ${detail}. Is the agent running, and is CONSUL_HTTP_ADDR right?`);
  }
}

async function put(consulAddr: string, path: string, action: string, body?: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${consulAddr}${path}`, {
      method: 'PUT',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: process.env['CONSUL_HTTP_TOKEN'] ? { 'x-consul-token': process.env['CONSUL_HTTP_TOKEN'] } : {},
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    throw new ConsulRegistrationError(action, consulAddr, (error as Error).message);
  }
  if (!response.ok) throw new ConsulRegistrationError(action, consulAddr, `${response.status} ${await response.text()}`);
}

/**
 * The registration the control plane reads: the app port as Service.Port, the sidecar's
 * public port as Meta.sidecar_port, and an HTTP check on /health that the local agent runs.
 */
export function registrationBody(config: WorkerConfig): unknown {
  return {
    ID: config.serviceId,
    Name: config.service,
    Address: config.address,
    Port: config.httpPort,
    Meta: { ...(config.sidecarPort !== undefined ? { sidecar_port: String(config.sidecarPort) } : {}), protocol: 'http' },
    Check: {
      CheckID: `${config.serviceId}:health`,
      Name: 'worker /health',
      HTTP: `http://127.0.0.1:${config.httpPort}/health`,
      Interval: '1s',
      // Generous: on a loaded machine a 1 s timeout flaps, and a flapping check empties the cluster.
      Timeout: '3s',
      DeregisterCriticalServiceAfter: '1m',
    },
  };
}

export function registerInConsul(config: WorkerConfig): Promise<void> {
  return put(config.consulAddr, '/v1/agent/service/register', `registering ${config.serviceId}`, registrationBody(config));
}

export function deregisterFromConsul(config: WorkerConfig): Promise<void> {
  return put(config.consulAddr, `/v1/agent/service/deregister/${encodeURIComponent(config.serviceId)}`, `deregistering ${config.serviceId}`);
}
