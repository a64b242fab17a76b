import { ONBOARDING_WORKFLOWS, type OnboardingWorkflows, ServiceKitModule, type ServiceKit, byStore, PostgresDatabase, storeModule } from '@mesh/service-kit';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { DocumentPipeline } from './document-pipeline';
import { DOCUMENT_SETTINGS, documentSettings, type DocumentSettings } from './document-settings';
import { DocumentStore, FileDocumentStore, PostgresDocumentStore } from './document-store';
import { DocumentController } from './document.controller';
import { DOCUMENT_MIGRATIONS } from './document.migrations';
import { DOCUMENT_REPOSITORY } from './document.repository';
import { DocumentService } from './document.service';
import { ReviewController } from './review.controller';
import { PostgresDocumentRepository } from './postgres-document.repository';
import { SqliteDocumentRepository } from './sqlite-document.repository';
import { UploadLimitsInterceptor } from './upload-limits.interceptor';
import { WorkflowSignaller } from './workflow-signaller';

export const DOCUMENT_DEFAULTS = { name: 'document', port: 3003, sidecarPort: 21003 } as const;

@Injectable()
class WorkflowsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ONBOARDING_WORKFLOWS) private readonly workflows: OnboardingWorkflows & { close?: () => Promise<void> }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.workflows.close?.();
  }
}

@Module({})
export class DocumentModule {
  static forRoot(kit: ServiceKit, workflows: OnboardingWorkflows, settings: DocumentSettings = documentSettings(kit.config.dataDir)): DynamicModule {
    return {
      module: DocumentModule,
      imports: [
        ServiceKitModule.forRoot(kit),
        storeModule(DOCUMENT_MIGRATIONS),
        // No storage given: multer keeps the file in memory (up to the limit), so nothing reaches disk before every check passed.
        MulterModule.register({ limits: { fileSize: settings.maxBytes, files: 1, fields: 5, parts: 6 } }),
      ],
      controllers: [DocumentController, ReviewController],
      providers: [
        DocumentService,
        DocumentPipeline,
        WorkflowSignaller,
        UploadLimitsInterceptor,
        WorkflowsLifecycle,
        byStore({
          sqlite: { provide: DocumentStore, useValue: new FileDocumentStore(settings.storageDir) },
          postgres: { provide: DocumentStore, inject: [PostgresDatabase], useFactory: (db: PostgresDatabase) => new PostgresDocumentStore(db) },
        }),
        { provide: ONBOARDING_WORKFLOWS, useValue: workflows },
        { provide: DOCUMENT_SETTINGS, useValue: settings },
        { provide: DOCUMENT_REPOSITORY, useClass: byStore({ sqlite: SqliteDocumentRepository, postgres: PostgresDocumentRepository }) },
      ],
    };
  }
}
