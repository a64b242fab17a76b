/**
 * Consul scale: a catalog of thousands of services on a Consul agent with its default
 * per-client connection limit. How long until the control plane is UP, how many connections
 * it holds to the agent, and how long a change to one service takes to show in /info/routes,
 * alone and in a burst. Optionally the burst again, on a catalog small enough for it, with
 * another build of the control plane for comparison.
 */
import { startConsul } from '@mesh/harness';
import type { ConsulScaleOptions } from '../args';
import { commitOf, describeMachine, loadNow } from '../shared/machine';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import { registerServices } from './catalog';
import { measureControlPlane, type ControlPlaneRun } from './measure';
import { buildConsulScaleReport, type ConsulScaleReport } from './report';

export async function runConsulScale(ctx: RunContext, o: ConsulScaleOptions): Promise<ConsulScaleReport> {
  const machine = describeMachine();
  const timing = { gapMs: o.gapMs, timeoutMs: o.timeoutMs };
  const runs: ControlPlaneRun[] = [];

  const large = await startConsul(ctx.supervisor);
  const names = await registerServices(large.httpAddr, o.services);
  ctx.log(`consul-scale: ${names.length} services registered on a default agent`);
  runs.push(await measureControlPlane(ctx, large, names, { label: 'ours', changes: o.changes, uncheckedChanges: o.uncheckedChanges, bursts: o.bursts, ...timing }));
  await large.process.stop();

  if (o.compareServices > 0) {
    throwIfInterrupted(ctx.signal);
    const small = await startConsul(ctx.supervisor);
    const smallNames = await registerServices(small.httpAddr, o.compareServices);
    runs.push(await measureControlPlane(ctx, small, smallNames, { label: 'ours', changes: 0, uncheckedChanges: 0, bursts: o.bursts, ...timing }));
    if (o.baseline) {
      runs.push(await measureControlPlane(ctx, small, smallNames, { label: 'baseline', checkout: o.baseline, changes: 0, uncheckedChanges: 0, bursts: o.bursts, ...timing }));
    }
    await small.process.stop();
  }
  machine.loadAverageAtEnd = loadNow();
  return buildConsulScaleReport(machine, o, runs, o.baseline ? commitOf(o.baseline) : undefined);
}
