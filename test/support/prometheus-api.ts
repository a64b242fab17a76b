import { spawn } from 'node:child_process';
import { toolBin } from '@mesh/harness';

/** Prometheus' HTTP API, as the observability suites read it. */

export interface ActiveTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

async function api<T>(prometheusUrl: string, path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
  return body.data;
}

export async function activeTargets(prometheusUrl: string): Promise<ActiveTarget[]> {
  return (await api<{ activeTargets: ActiveTarget[] }>(prometheusUrl, '/api/v1/targets?state=active')).activeTargets;
}

/** Every metric name Prometheus has stored. */
export async function metricNames(prometheusUrl: string): Promise<string[]> {
  return api<string[]>(prometheusUrl, '/api/v1/label/__name__/values');
}

/** An instant query; its result vector. */
export async function instantQuery(prometheusUrl: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  return (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(prometheusUrl, `/api/v1/query?query=${encodeURIComponent(query)}`)).result;
}

export interface PromtoolResult {
  /** 0: clean; 3: lint problems only; 1: the text could not be parsed. */
  code: number;
  /** One line per problem, `<metric> <problem>`. */
  problems: string[];
  output: string;
}

/** `promtool check metrics`, with the exposition text on stdin. */
export function promtoolCheckMetrics(exposition: string): Promise<PromtoolResult> {
  return promtool(['check', 'metrics'], exposition);
}

/** `promtool check config <file>`. */
export function promtoolCheckConfig(file: string): Promise<PromtoolResult> {
  return promtool(['check', 'config', file], '');
}

function promtool(args: string[], stdin: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolBin('promtool'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, problems: output.split('\n').filter((l) => l.trim() !== ''), output }));
    child.stdin.end(stdin);
  });
}
