import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'user');

import { runServiceMain } from '@mesh/service-kit';
import { TemporalOnboardingWorkflows, temporalSettings } from '@mesh/service-kit/temporal';
import { USER_DEFAULTS, UserModule } from './user.module';

void runServiceMain({
  defaults: USER_DEFAULTS,
  description: { title: 'user-service', description: 'Personal information; registration starts OnboardUser, a completed profile signals it' },
  root: (kit) => UserModule.forRoot(kit, new TemporalOnboardingWorkflows(temporalSettings())),
});
