import type { Migrations } from '@mesh/service-kit';
export declare const AUTH_MIGRATIONS: Migrations;
//# sourceMappingURL=auth.migrations.d.ts.map