import { ServiceKitModule, type ServiceKit, byStore, storeModule } from '@mesh/service-kit';
import { type DynamicModule, Module } from '@nestjs/common';
import { DeliveryWorker } from './delivery-worker';
import { mathRandom, NOTIFICATION_SETTINGS, notificationSettings, type NotificationSettings, RANDOM_SOURCE, type RandomSource } from './notification-settings';
import { NotificationController } from './notification.controller';
import { NOTIFICATION_MIGRATIONS } from './notification.migrations';
import { NOTIFICATION_REPOSITORY } from './notification.repository';
import { NotificationService } from './notification.service';
import { PostgresNotificationRepository } from './postgres-notification.repository';
import { SqliteNotificationRepository } from './sqlite-notification.repository';

export const NOTIFICATION_DEFAULTS = { name: 'notification', port: 3005, sidecarPort: 21005 } as const;

@Module({})
export class NotificationModule {
  static forRoot(kit: ServiceKit, settings: NotificationSettings = notificationSettings(), random: RandomSource = mathRandom): DynamicModule {
    return {
      module: NotificationModule,
      imports: [ServiceKitModule.forRoot(kit), storeModule(NOTIFICATION_MIGRATIONS)],
      controllers: [NotificationController],
      providers: [
        NotificationService,
        DeliveryWorker,
        { provide: NOTIFICATION_SETTINGS, useValue: settings },
        { provide: RANDOM_SOURCE, useValue: random },
        { provide: NOTIFICATION_REPOSITORY, useClass: byStore({ sqlite: SqliteNotificationRepository, postgres: PostgresNotificationRepository }) },
      ],
    };
  }
}
