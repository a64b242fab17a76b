import { fetchJson } from './upstream-source';

export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] */
  points: Array<[number, number]>;
}

interface ApiAnswer<T> {
  status: string;
  error?: string;
  data: { resultType: string; result: T[] };
}

/** Prometheus's HTTP query API, instant and range queries. */
export class PrometheusReader {
  constructor(private readonly base: string) {}

  async instant(query: string): Promise<PrometheusSample[]> {
    const answer = await fetchJson<ApiAnswer<{ metric: Record<string, string>; value: [number, string] }>>(
      'Prometheus',
      `${this.base}/api/v1/query?${new URLSearchParams({ query })}`,
    );
    if (answer.status !== 'success') throw new Error(`Prometheus rejected ${query}: ${answer.error ?? answer.status}`);
    return answer.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) })).filter((s) => Number.isFinite(s.value));
  }

  async range(query: string, seconds: number, stepSeconds: number): Promise<PrometheusSeries[]> {
    const end = Date.now() / 1000;
    const params = new URLSearchParams({ query, start: String(end - seconds), end: String(end), step: String(stepSeconds) });
    const answer = await fetchJson<ApiAnswer<{ metric: Record<string, string>; values: Array<[number, string]> }>>('Prometheus', `${this.base}/api/v1/query_range?${params}`);
    if (answer.status !== 'success') throw new Error(`Prometheus rejected ${query}: ${answer.error ?? answer.status}`);
    return answer.data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]): [number, number] => [t, Number(v)]).filter(([, v]) => Number.isFinite(v)) }));
  }
}
