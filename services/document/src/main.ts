import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'document');

import { runServiceMain } from '@mesh/service-kit';
import { TemporalOnboardingWorkflows, temporalSettings } from '@mesh/service-kit/temporal';
import { DOCUMENT_DEFAULTS, DocumentModule } from './document.module';

void runServiceMain({
  defaults: DOCUMENT_DEFAULTS,
  description: { title: 'document-service', description: 'Document uploads with size and type limits, simulated virus scan, OCR and review; accepted uploads signal the workflow' },
  root: (kit) => DocumentModule.forRoot(kit, new TemporalOnboardingWorkflows(temporalSettings())),
});
