import { fetchJson } from './upstream-source';

export interface TraceQuery {
  service: string;
  operation?: string;
  /** Jaeger durations: `100ms`, `1.5s`. */
  minDuration?: string;
  maxDuration?: string;
  /** `http.status_code=500 error=true`: space-separated key=value pairs. */
  tags?: string;
  limit?: number;
  /** Look back this many seconds (default one hour). */
  lookbackSeconds?: number;
}

/** Jaeger's query API (`/api/services`, `/api/traces`), read as the Jaeger UI reads it. */
export class JaegerReader {
  constructor(private readonly base: string) {}

  async services(): Promise<string[]> {
    return ((await fetchJson<{ data: string[] | null }>('Jaeger', `${this.base}/api/services`)).data ?? []).sort();
  }

  async operations(service: string): Promise<string[]> {
    return ((await fetchJson<{ data: string[] | null }>('Jaeger', `${this.base}/api/services/${encodeURIComponent(service)}/operations`)).data ?? []).sort();
  }

  async search(query: TraceQuery): Promise<unknown[]> {
    const end = Date.now() * 1000;
    const params = new URLSearchParams({
      service: query.service,
      limit: String(query.limit ?? 20),
      start: String(end - (query.lookbackSeconds ?? 3600) * 1_000_000),
      end: String(end),
    });
    if (query.operation) params.set('operation', query.operation);
    if (query.minDuration) params.set('minDuration', query.minDuration);
    if (query.maxDuration) params.set('maxDuration', query.maxDuration);
    const tags = parseTags(query.tags);
    if (Object.keys(tags).length) params.set('tags', JSON.stringify(tags));
    return (await fetchJson<{ data: unknown[] | null }>('Jaeger', `${this.base}/api/traces?${params}`)).data ?? [];
  }

  async trace(id: string): Promise<unknown | undefined> {
    if (!/^[0-9a-f]{1,32}$/i.test(id)) throw new Error(`"${id}" is not a trace id (up to 32 hex digits)`);
    return (await fetchJson<{ data: unknown[] | null }>('Jaeger', `${this.base}/api/traces/${id}`)).data?.[0];
  }
}

/** `a=1 b="x y"` → { a: '1', b: 'x y' }. */
export function parseTags(text: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const match of (text ?? '').matchAll(/([^\s=]+)=("([^"]*)"|\S*)/g)) tags[match[1] as string] = match[3] ?? match[2] ?? '';
  return tags;
}
