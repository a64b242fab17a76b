import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';
import { HealthChecks } from '../health/health-checks';
import { LOGGER, SERVICE_CONFIG } from '../http/tokens';
import { type Migrations, SqliteDatabase } from './sqlite-database';

@Injectable()
class SqliteLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SqliteDatabase) private readonly database: SqliteDatabase) {}

  onApplicationShutdown(): void {
    this.database.close();
  }
}

/** The service's SQLite database (`<MESH_DATA_DIR>/<service>.sqlite`, or SQLITE_PATH), migrated, checked by /health. */
@Module({})
export class SqliteModule {
  static forRoot(migrations: Migrations): DynamicModule {
    return {
      module: SqliteModule,
      global: true,
      providers: [
        {
          provide: SqliteDatabase,
          inject: [SERVICE_CONFIG, HealthChecks, LOGGER],
          useFactory: async (config: ServiceConfig, health: HealthChecks, logger: Logger) => {
            const database = await SqliteDatabase.open(config.sqlitePath, migrations);
            logger.info({ file: database.file }, 'database open');
            health.add('database', () => database.ping());
            return database;
          },
        },
        SqliteLifecycle,
      ],
      exports: [SqliteDatabase],
    };
  }
}
