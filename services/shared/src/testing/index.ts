import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import pino from 'pino';
import { loadServiceConfig, type ServiceConfig, type ServiceDefaults } from '../config/service-config';
import { createServiceApp } from '../http/service-app';
import { createServiceKit, type ServiceKit } from '../http/service-kit';
import type { AuthClaims } from '../auth/jwt-codec';
import type { Clock } from '../time/clock';
import type { OnboardingDescription, OnboardingWorkflows } from '../temporal/onboarding-workflows';
import { WorkflowNotStartedError } from '../temporal/onboarding-workflows';
import type { DocumentUploadedSignal, OnboardUserInput, ProfileCompletedSignal } from '../onboarding-contract';

/** A config for in-process tests: in-memory SQLite, no Consul registration, silent logs. */
export function testServiceConfig(defaults: ServiceDefaults, env: Record<string, string> = {}): ServiceConfig {
  return loadServiceConfig(defaults, { SQLITE_PATH: ':memory:', CONSUL_REGISTER: 'false', LOG_LEVEL: 'silent', JWT_SECRET: 'test-secret-test-secret-test-secret!', ...env });
}

export function testServiceKit(config: ServiceConfig, clock?: Clock): ServiceKit {
  return createServiceKit(config, { logger: pino({ level: 'silent' }), defaultMetrics: false, ...(clock ? { clock } : {}) });
}

/** The real Nest app of a service, initialised but not listening (supertest drives app.getHttpServer()). */
export async function createTestApp(root: (kit: ServiceKit) => Type | DynamicModule, config: ServiceConfig, clock?: Clock): Promise<{ app: INestApplication; kit: ServiceKit }> {
  const kit = testServiceKit(config, clock);
  const app = await createServiceApp(root(kit), kit, { title: `${config.name} (test)`, description: 'test' });
  return { app, kit };
}

export async function bearer(kit: ServiceKit, claims: Partial<AuthClaims> = {}): Promise<string> {
  const token = await kit.jwt.sign({ userId: 'user-1', email: 'user-1@example.test', sessionId: 'session-1', ...claims }, 300);
  return `Bearer ${token}`;
}

export type RecordedCall =
  | { kind: 'start'; input: OnboardUserInput }
  | { kind: 'profileCompleted'; userId: string; profile: ProfileCompletedSignal }
  | { kind: 'documentUploaded'; userId: string; document: DocumentUploadedSignal };

/** An in-memory OnboardingWorkflows for unit tests: records calls, knows which users started, can be made to fail. */
export class FakeOnboardingWorkflows implements OnboardingWorkflows {
  readonly calls: RecordedCall[] = [];
  readonly started = new Set<string>();
  failWith: Error | undefined;
  description: OnboardingDescription = { executionStatus: 'RUNNING', status: { step: 'awaiting-profile', remindersSent: 0 } };

  async start(input: OnboardUserInput): Promise<void> {
    this.throwIfFailing();
    this.started.add(input.userId);
    this.calls.push({ kind: 'start', input });
  }

  async signalProfileCompleted(userId: string, profile: ProfileCompletedSignal): Promise<void> {
    this.throwIfFailing();
    if (!this.started.has(userId)) throw new WorkflowNotStartedError(userId);
    this.calls.push({ kind: 'profileCompleted', userId, profile });
  }

  async signalDocumentUploaded(userId: string, document: DocumentUploadedSignal): Promise<void> {
    this.throwIfFailing();
    if (!this.started.has(userId)) throw new WorkflowNotStartedError(userId);
    this.calls.push({ kind: 'documentUploaded', userId, document });
  }

  async describe(userId: string): Promise<OnboardingDescription> {
    this.throwIfFailing();
    if (!this.started.has(userId)) throw new WorkflowNotStartedError(userId);
    return this.description;
  }

  private throwIfFailing(): void {
    if (this.failWith) throw this.failWith;
  }
}
export * from './http-stub';
