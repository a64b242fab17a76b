import type { Migrations } from '@mesh/service-kit';
export declare const DOCUMENT_MIGRATIONS: Migrations;
//# sourceMappingURL=document.migrations.d.ts.map