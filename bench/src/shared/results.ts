import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@mesh/harness';

export function resultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}

/** Writes bench/results/<name>.json, <name>.md and, when given, <name>.svg; returns their paths. */
export function writeResults(name: string, report: unknown, markdown: string, svg?: string): string[] {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, roundFloats, 1)}\n`);
  writeFileSync(md, markdown);
  if (!svg) return [json, md];
  const plot = join(dir, `${name}.svg`);
  writeFileSync(plot, svg);
  return [json, md, plot];
}

/** Three decimals are below every figure's resolution and keep the files reviewable. */
function roundFloats(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}

export const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(1));
export const times = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${v.toFixed(3)}x`);
