import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'approval');

import { runServiceMain } from '@mesh/service-kit';
import { APPROVAL_DEFAULTS, ApprovalModule } from './approval.module';

void runServiceMain({
  defaults: APPROVAL_DEFAULTS,
  description: { title: 'approval-service', description: 'Eligibility rules, a simulated credit bureau, and the decisions of record' },
  root: (kit) => ApprovalModule.forRoot(kit),
});
