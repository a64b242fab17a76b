import { ONBOARDING_WORKFLOWS, type OnboardingWorkflows, ServiceKitModule, type ServiceKit, byStore, storeModule } from '@mesh/service-kit';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DecisionLookup } from './decision-lookup';
import { USER_SETTINGS, userSettings, type UserSettings } from './user-settings';
import { UserController } from './user.controller';
import { USER_MIGRATIONS } from './user.migrations';
import { USER_REPOSITORY } from './user.repository';
import { UserService } from './user.service';
import { PostgresUserRepository } from './postgres-user.repository';
import { SqliteUserRepository } from './sqlite-user.repository';

export const USER_DEFAULTS = { name: 'user', port: 3002, sidecarPort: 21002 } as const;

@Injectable()
class WorkflowsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ONBOARDING_WORKFLOWS) private readonly workflows: OnboardingWorkflows & { close?: () => Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.workflows.close?.();
  }
}

@Module({})
export class UserModule {
  static forRoot(kit: ServiceKit, workflows: OnboardingWorkflows, settings: UserSettings = userSettings()): DynamicModule {
    return {
      module: UserModule,
      imports: [ServiceKitModule.forRoot(kit), storeModule(USER_MIGRATIONS)],
      controllers: [UserController],
      providers: [
        UserService,
        DecisionLookup,
        WorkflowsLifecycle,
        { provide: ONBOARDING_WORKFLOWS, useValue: workflows },
        { provide: USER_SETTINGS, useValue: settings },
        { provide: USER_REPOSITORY, useClass: byStore({ sqlite: SqliteUserRepository, postgres: PostgresUserRepository }) },
      ],
    };
  }
}
