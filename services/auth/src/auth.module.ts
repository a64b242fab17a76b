import { ServiceKitModule, type ServiceKit, byStore, storeModule } from '@mesh/service-kit';
import { type DynamicModule, Module } from '@nestjs/common';
import { AUTH_SETTINGS, authSettings, type AuthSettings } from './auth-settings';
import { AuthController } from './auth.controller';
import { AUTH_MIGRATIONS } from './auth.migrations';
import { AUTH_REPOSITORY } from './auth.repository';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';
import { PostgresAuthRepository } from './postgres-auth.repository';
import { SqliteAuthRepository } from './sqlite-auth.repository';

export const AUTH_DEFAULTS = { name: 'auth', port: 3001, sidecarPort: 21001 } as const;

@Module({})
export class AuthModule {
  static forRoot(kit: ServiceKit, settings: AuthSettings = authSettings()): DynamicModule {
    return {
      module: AuthModule,
      imports: [ServiceKitModule.forRoot(kit), storeModule(AUTH_MIGRATIONS)],
      controllers: [AuthController],
      providers: [
        AuthService,
        PasswordHasher,
        { provide: AUTH_SETTINGS, useValue: settings },
        { provide: AUTH_REPOSITORY, useClass: byStore({ sqlite: SqliteAuthRepository, postgres: PostgresAuthRepository }) },
      ],
    };
  }
}
