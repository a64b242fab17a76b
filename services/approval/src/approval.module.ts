import { ServiceKitModule, type ServiceKit, byStore, storeModule } from '@mesh/service-kit';
import { type DynamicModule, Module } from '@nestjs/common';
import { APPROVAL_SETTINGS, approvalSettings, type ApprovalSettings, mathRandom, RANDOM_SOURCE, type RandomSource } from './approval-settings';
import { ApprovalController } from './approval.controller';
import { APPROVAL_MIGRATIONS } from './approval.migrations';
import { APPROVAL_REPOSITORY } from './approval.repository';
import { ApprovalService } from './approval.service';
import { PostgresApprovalRepository } from './postgres-approval.repository';
import { SqliteApprovalRepository } from './sqlite-approval.repository';

export const APPROVAL_DEFAULTS = { name: 'approval', port: 3004, sidecarPort: 21004 } as const;

@Module({})
export class ApprovalModule {
  static forRoot(kit: ServiceKit, settings: ApprovalSettings = approvalSettings(), random: RandomSource = mathRandom): DynamicModule {
    return {
      module: ApprovalModule,
      imports: [ServiceKitModule.forRoot(kit), storeModule(APPROVAL_MIGRATIONS)],
      controllers: [ApprovalController],
      providers: [
        ApprovalService,
        { provide: APPROVAL_SETTINGS, useValue: settings },
        { provide: RANDOM_SOURCE, useValue: random },
        { provide: APPROVAL_REPOSITORY, useClass: byStore({ sqlite: SqliteApprovalRepository, postgres: PostgresApprovalRepository }) },
      ],
    };
  }
}
