import { DEMO_INTERNAL_PATHS, DEMO_PUBLIC_API } from '@mesh/harness';
import { httpRequest } from './http-request';

/** What one probe of the gateway saw. */
export interface GatewayProbe {
  method: string;
  path: string;
  status: number;
  /** The path the service reports it was asked for (its error body's `path`); undefined when no service answered. */
  servedPath: string | undefined;
}

async function probe(gatewayUrl: string, method: string, path: string): Promise<GatewayProbe> {
  // No token and an empty body: every public endpoint answers 400 or 401 from the service itself.
  const response = await httpRequest(`${gatewayUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });
  let servedPath: string | undefined;
  try {
    servedPath = (JSON.parse(response.body) as { path?: string }).path;
  } catch {
    servedPath = undefined;
  }
  return { method, path, status: response.status, servedPath };
}

/** Every endpoint of the demo's public API, as the gateway answers it. */
export function probePublicApi(gatewayUrl: string): Promise<GatewayProbe[]> {
  return Promise.all(DEMO_PUBLIC_API.map((e) => probe(gatewayUrl, e.method, e.path)));
}

/** Every internal endpoint, by GET and POST, as the gateway answers it. */
export function probeInternalPaths(gatewayUrl: string): Promise<GatewayProbe[]> {
  return Promise.all(DEMO_INTERNAL_PATHS.flatMap((path) => ['GET', 'POST'].map((method) => probe(gatewayUrl, method, path))));
}
