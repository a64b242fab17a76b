import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export class NamespaceHttpError extends Error {
  override readonly name = 'NamespaceHttpError';
}

// Node cannot enter a network namespace itself, so a short-lived node process inside it makes the request.
const FETCH_SCRIPT = `
const [url, method, body, timeout] = process.argv.slice(1);
fetch(url, { method, body: body || undefined, headers: body ? { 'content-type': 'application/json' } : {}, signal: AbortSignal.timeout(Number(timeout)) })
  .then(async (r) => { process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })); })
  .catch((e) => { process.stderr.write(String(e && e.cause ? e.cause : e)); process.exit(1); });
`;

export interface NamespaceResponse {
  status: number;
  body: string;
}

/**
 * An HTTP request made from inside a namespace, for endpoints bound to its loopback (the
 * Consul agent's API, Envoy admin), which the generated configs never expose on the network.
 */
export async function namespaceRequest(namespace: string, url: string, options: { method?: string; body?: string; timeoutMs?: number } = {}): Promise<NamespaceResponse> {
  const timeoutMs = options.timeoutMs ?? 3000;
  try {
    const { stdout } = await exec('ip', ['netns', 'exec', namespace, process.execPath, '-e', FETCH_SCRIPT, url, options.method ?? 'GET', options.body ?? '', String(timeoutMs)], {
      timeout: timeoutMs + 5000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as NamespaceResponse;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    throw new NamespaceHttpError(`${options.method ?? 'GET'} ${url} in ${namespace} failed: ${stderr?.trim() || (error instanceof Error ? error.message : String(error))}`);
  }
}

/** GET from inside a namespace; fails unless the status is 2xx. */
export async function namespaceGet(namespace: string, url: string, timeoutMs?: number): Promise<string> {
  const response = await namespaceRequest(namespace, url, timeoutMs === undefined ? {} : { timeoutMs });
  if (response.status < 200 || response.status > 299) throw new NamespaceHttpError(`GET ${url} in ${namespace}: HTTP ${response.status} ${response.body.slice(0, 200)}`);
  return response.body;
}
