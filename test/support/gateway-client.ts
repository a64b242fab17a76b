import type { HttpResult } from './http-request';
import { httpRequest } from './http-request';
import type { GatewayCall, JsonResult } from './onboarding-platform';
import type { GatewayClient } from './onboarding-journey';

/** Requests to a gateway at a URL, the same calls OnboardingPlatform makes to its own. */
export class UrlGatewayClient implements GatewayClient {
  constructor(readonly url: string) {}

  call(method: string, path: string, options: GatewayCall = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    return httpRequest(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: options.timeoutMs ?? 15_000 });
  }

  async callJson<T>(method: string, path: string, options: GatewayCall = {}): Promise<JsonResult<T>> {
    const result = await this.call(method, path, options);
    try {
      return { ...result, json: (result.body === '' ? undefined : JSON.parse(result.body)) as T };
    } catch {
      throw new Error(`${method} ${path} -> ${result.status}, not JSON: ${result.body.slice(0, 300)}`);
    }
  }
}
