import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'workflows');

import { runServiceMain } from '@mesh/service-kit';
import { WORKFLOWS_DEFAULTS } from './worker/worker-config';
import { WorkerModule } from './worker/worker.module';

void runServiceMain({
  defaults: WORKFLOWS_DEFAULTS,
  description: {
    title: 'workflows (Temporal worker)',
    description: 'Runs OnboardUser and ApprovalWorkflow on the onboarding task queue; activities call the services through this process’s Envoy sidecar',
  },
  root: (kit) => WorkerModule.forRoot(kit),
});
