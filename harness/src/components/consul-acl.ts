import Consul from 'consul';

/** A request as papi, the HTTP layer of the consul package, takes it (README: `client._request`). */
interface PapiRequest {
  method: 'PUT';
  path: string;
  body: unknown;
  type: 'json';
  headers: Record<string, string>;
}

/**
 * The consul package's client with papi's documented request method, which its typings leave
 * out. The package (2.x) covers `PUT /v1/acl/bootstrap` but not the ACL token API, so token
 * creation goes through the same client, its agent and its errors.
 */
interface AclClient {
  _request(request: PapiRequest): Promise<{ body: unknown }>;
}
class AclClient extends Consul {}

const TIMEOUT_MS = 5000;

function client(httpAddr: string): AclClient {
  const url = new URL(httpAddr);
  // papi takes a client-wide request timeout the package's typings leave out.
  const options: ConstructorParameters<typeof Consul>[0] & { timeout: number } = { host: url.hostname, port: Number(url.port || 80), timeout: TIMEOUT_MS };
  return new AclClient(options);
}

/** `consul acl bootstrap`: the one global-management token; undefined while the ACL system is not up yet. */
export async function bootstrapAcls(httpAddr: string): Promise<string | undefined> {
  const consul = client(httpAddr);
  try {
    const answer = (await consul.acl.bootstrap()) as { SecretID?: unknown };
    return typeof answer.SecretID === 'string' ? answer.SecretID : undefined;
  } catch {
    return undefined;
  } finally {
    // Each client has a keep-alive agent of its own; a one-off call should not leave its socket open.
    consul.destroy();
  }
}

/** A token with a service identity for `service`: what that service and its sidecar present to Consul and the control plane. */
export async function createServiceToken(httpAddr: string, managementToken: string, service: string): Promise<{ secretId: string; accessorId: string }> {
  let body: unknown;
  const consul = client(httpAddr);
  try {
    ({ body } = await consul._request({
      method: 'PUT',
      path: '/acl/token',
      type: 'json',
      headers: { 'x-consul-token': managementToken },
      body: { Description: `service ${service}`, ServiceIdentities: [{ ServiceName: service }] },
    }));
  } catch (error) {
    const response = (error as { response?: { statusCode?: number; body?: unknown } }).response;
    const detail = response ? `HTTP ${response.statusCode}: ${String(response.body)}` : error instanceof Error ? error.message : String(error);
    throw new Error(`creating a Consul ACL token for ${service} at ${httpAddr}: ${detail}`);
  } finally {
    consul.destroy();
  }
  const token = body as { SecretID?: unknown; AccessorID?: unknown };
  if (typeof token.SecretID !== 'string' || typeof token.AccessorID !== 'string') throw new Error(`creating a Consul ACL token for ${service}: the answer has no SecretID and AccessorID`);
  return { secretId: token.SecretID, accessorId: token.AccessorID };
}
