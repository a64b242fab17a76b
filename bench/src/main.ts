/**
 * `npm run bench`: the benchmarks against the peers, one scenario after another, each with
 * its own components so that one's processes never load another's figures. Each writes
 * bench/results/<scenario>.json and .md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessSupervisor } from '@mesh/harness';
import { BenchArgsError, parseBenchArgs, USAGE, type BenchOptions, type ScenarioName } from './args';
import { runChurn, churnMarkdown } from './churn/scenario';
import { clusterMarkdown, runCluster } from './cluster/scenario';
import { consulScaleMarkdown } from './consul-scale/report';
import { runConsulScale } from './consul-scale/scenario';
import { propagationMarkdown, propagationPlot } from './propagation/report';
import { runPropagation } from './propagation/scenario';
import { scaleMarkdown, scalePlot } from './scale/report';
import { runScale } from './scale/scenario';
import { writeResults } from './shared/results';
import { InterruptedError, log, type RunContext } from './shared/run-context';

async function runScenario(name: ScenarioName, ctx: RunContext, options: BenchOptions): Promise<{ report: unknown; markdown: string; svg?: string }> {
  switch (name) {
    case 'propagation': {
      const report = await runPropagation(ctx, options.propagation);
      return { report, markdown: propagationMarkdown(report), svg: propagationPlot(report) };
    }
    case 'scale': {
      const report = await runScale(ctx, options.scale);
      return { report, markdown: scaleMarkdown(report), svg: scalePlot(report) };
    }
    case 'churn': {
      const report = await runChurn(ctx, options.churn);
      return { report, markdown: churnMarkdown(report) };
    }
    case 'consul-scale': {
      const report = await runConsulScale(ctx, options.consulScale);
      return { report, markdown: consulScaleMarkdown(report) };
    }
    case 'cluster': {
      const report = await runCluster(ctx);
      return { report, markdown: clusterMarkdown(report) };
    }
  }
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const runDir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  log(`${options.quick ? 'quick' : 'full'} run of ${options.only.join(', ')}; component logs in ${runDir}`);
  const interrupt = new AbortController();
  let supervisor: ProcessSupervisor | undefined;
  const onSignal = () => {
    log('interrupted: stopping components');
    process.exitCode = 130;
    interrupt.abort();
    // Stopping at once also ends a start that is still waiting for readiness.
    void supervisor?.stopAll();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  for (const name of options.only) {
    const scenarioStart = performance.now();
    supervisor = new ProcessSupervisor(join(runDir, name));
    try {
      const profileDir = join(runDir, name, 'profiles');
      const controlPlaneNodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const { report, markdown, svg } = await runScenario(name, { supervisor, signal: interrupt.signal, log, controlPlaneNodeArgs }, options);
      process.stdout.write(`\n${markdown}\n`);
      const written = writeResults(name, report, markdown, svg);
      log(`${name}: ${((performance.now() - scenarioStart) / 1000).toFixed(0)} s; wrote ${written.join(' and ')}`);
    } finally {
      await supervisor.stopAll();
    }
  }
  log(`all done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function interruptedBySignal(): boolean {
  return process.exitCode === 130;
}

main().catch((error: unknown) => {
  if (error instanceof BenchArgsError) log(error.message ? `${error.message}\n${USAGE}` : USAGE);
  else if (error instanceof InterruptedError || interruptedBySignal()) log('interrupted');
  else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const helpAsked = error instanceof BenchArgsError && error.message === '';
  if (!interruptedBySignal()) process.exitCode = helpAsked ? 0 : 1;
});
