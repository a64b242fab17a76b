import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';
import { HealthChecks } from '../health/health-checks';
import { LOGGER, SERVICE_CONFIG } from '../http/tokens';
import { PostgresDatabase } from './postgres-database';
import type { Migrations } from './sqlite-database';

@Injectable()
class PostgresLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PostgresDatabase) private readonly database: PostgresDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/** The service's tables in PostgreSQL (schema = the service's name), migrated, checked by /health. */
@Module({})
export class PostgresModule {
  static forRoot(migrations: Migrations): DynamicModule {
    return {
      module: PostgresModule,
      global: true,
      providers: [
        {
          provide: PostgresDatabase,
          inject: [SERVICE_CONFIG, HealthChecks, LOGGER],
          useFactory: async (config: ServiceConfig, health: HealthChecks, logger: Logger) => {
            const database = await PostgresDatabase.open(config.name, migrations);
            logger.info({ schema: database.schema, host: process.env.PGHOST }, 'database open');
            health.add('database', () => database.ping());
            return database;
          },
        },
        PostgresLifecycle,
      ],
      exports: [PostgresDatabase],
    };
  }
}
