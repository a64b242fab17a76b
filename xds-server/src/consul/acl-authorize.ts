import { ConsulHttpError, ConsulResponseError } from './consul-errors';
import type { ConsulResponse, ConsulRequest } from './consul-transport';

/** What Consul says a token may do for one service; `acls-disabled` when the agent runs without ACLs. */
export type ServiceWriteVerdict = 'allowed' | 'denied' | 'unknown-token' | 'acls-disabled';

export interface ConsulPoster {
  readonly address: string;
  post(request: ConsulRequest, body: unknown, token: string | undefined): Promise<ConsulResponse>;
}

const AUTHORIZE_PATH = '/v1/internal/acl/authorize';

/**
 * Asks Consul whether `token` has `service:write` on `service`, the permission Consul's own
 * xDS server requires of a proxy for the service it fronts. Consul evaluates the token's
 * policies, roles and service identities itself; nothing is re-implemented here.
 *
 * This is the endpoint Consul's UI uses. The leaf-certificate endpoint cannot serve as the
 * check: the agent caches a service's leaf and hands it to any later caller whatever the token
 * (Consul 1.22), so it would allow a token that was never permitted.
 */
export async function authorizeServiceWrite(
  consul: ConsulPoster,
  token: string | undefined,
  service: string,
  signal: AbortSignal,
  timeoutMs = 5000,
): Promise<ServiceWriteVerdict> {
  let response: ConsulResponse;
  try {
    response = await consul.post({ path: AUTHORIZE_PATH, query: [], signal, timeoutMs }, [{ Resource: 'service', Segment: service, Access: 'write' }], token);
  } catch (error) {
    // 403 "ACL not found": the token does not exist (never did, or was deleted).
    if (error instanceof ConsulHttpError && error.status === 403 && /ACL not found/i.test(error.body)) return 'unknown-token';
    if (error instanceof ConsulHttpError && error.status === 401 && /ACL support disabled/i.test(error.body)) return 'acls-disabled';
    throw error;
  }
  const [answer] = Array.isArray(response.body) ? (response.body as unknown[]) : [];
  const allow = typeof answer === 'object' && answer !== null ? (answer as { Allow?: unknown }).Allow : undefined;
  if (typeof allow !== 'boolean') throw new ConsulResponseError(AUTHORIZE_PATH, `expected [{ "Allow": true|false }], got ${JSON.stringify(response.body).slice(0, 120)}`);
  return allow ? 'allowed' : 'denied';
}
