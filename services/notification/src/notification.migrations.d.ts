import type { Migrations } from '@mesh/service-kit';
export declare const NOTIFICATION_MIGRATIONS: Migrations;
//# sourceMappingURL=notification.migrations.d.ts.map