import type { ChurnOptions } from '../args';
import type { RunContext } from '../shared/run-context';

export interface ChurnReport {
  benchmark: 'churn';
}

export async function runChurn(_ctx: RunContext, _options: ChurnOptions): Promise<ChurnReport> {
  throw new Error('churn: not implemented yet');
}

export function churnMarkdown(_report: ChurnReport): string {
  return '';
}
