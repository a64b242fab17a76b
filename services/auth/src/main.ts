import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'auth');

import { runServiceMain } from '@mesh/service-kit';
import { AUTH_DEFAULTS, AuthModule } from './auth.module';

void runServiceMain({
  defaults: AUTH_DEFAULTS,
  description: { title: 'auth-service', description: 'Credentials, sessions, JWTs and magic links for the demo platform' },
  root: (kit) => AuthModule.forRoot(kit),
});
