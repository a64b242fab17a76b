import type { DynamicModule } from '@nestjs/common';
import { PostgresModule } from './postgres.module';
import { storeKind, type StoreKind } from './postgres-database';
import type { Migrations } from './sqlite-database';
import { SqliteModule } from './sqlite.module';

/** The database module MESH_STORE selects: SQLite (one node) or PostgreSQL (instances on several nodes). */
export function storeModule(migrations: Migrations, kind: StoreKind = storeKind()): DynamicModule {
  return kind === 'postgres' ? PostgresModule.forRoot(migrations) : SqliteModule.forRoot(migrations);
}

/** The implementation for the selected store, e.g. the repository class. */
export function byStore<S, P>(choices: { readonly sqlite: S; readonly postgres: P }, kind: StoreKind = storeKind()): S | P {
  return kind === 'postgres' ? choices.postgres : choices.sqlite;
}
