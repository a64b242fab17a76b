import { startTelemetry } from '@mesh/service-kit/telemetry';
// Before anything loads http or Express, so instrumentation can patch them.
startTelemetry(process.env.SERVICE_NAME ?? 'notification');

import { runServiceMain } from '@mesh/service-kit';
import { NOTIFICATION_DEFAULTS, NotificationModule } from './notification.module';

void runServiceMain({
  defaults: NOTIFICATION_DEFAULTS,
  description: { title: 'notification-service', description: 'Asynchronous e-mail, SMS and push delivery (simulated channels), every attempt recorded' },
  root: (kit) => NotificationModule.forRoot(kit),
});
