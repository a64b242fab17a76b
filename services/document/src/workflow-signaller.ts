import { CLOCK, type Clock, LOGGER, ONBOARDING_WORKFLOWS, type OnboardingWorkflows } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DOCUMENT_SETTINGS, type DocumentSettings } from './document-settings';
import { DOCUMENT_REPOSITORY, type DocumentRepository, type StoredDocument } from './document.repository';

/**
 * Sends documentUploaded for accepted documents and keeps trying (doubling delays, up to
 * DOCUMENT_SIGNAL_MAX_ATTEMPTS) while Temporal is unreachable or the workflow is not
 * started yet. Every attempt is recorded on the document; pending ones resume on restart.
 */
@Injectable()
export class WorkflowSignaller {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    @Inject(ONBOARDING_WORKFLOWS) private readonly workflows: OnboardingWorkflows,
    @Inject(DOCUMENT_REPOSITORY) private readonly repository: DocumentRepository,
    @Inject(DOCUMENT_SETTINGS) private readonly settings: DocumentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Tries once now; schedules retries on failure. Resolves after the first attempt. */
  async signal(document: StoredDocument): Promise<boolean> {
    if (this.stopped) return false;
    try {
      await this.workflows.signalDocumentUploaded(document.userId, { documentId: document.id, kind: document.kind });
      await this.repository.recordSignal(document.id, { at: this.clock.now().toISOString() });
      this.logger.info({ documentId: document.id, userId: document.userId }, 'documentUploaded signalled');
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.repository.recordSignal(document.id, { at: this.clock.now().toISOString(), error: message });
      const attempts = (await this.repository.find(document.id))?.signalAttempts ?? this.settings.signalMaxAttempts;
      if (attempts >= this.settings.signalMaxAttempts) {
        this.logger.error({ documentId: document.id, attempts, err: error }, 'giving up signalling documentUploaded');
        return false;
      }
      const delay = Math.min(this.settings.signalRetryMs * 2 ** (attempts - 1), 30_000);
      this.logger.warn({ documentId: document.id, attempts, retryInMs: delay, reason: message }, 'documentUploaded signal failed; will retry');
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.retry(document.id);
      }, delay);
      timer.unref();
      this.timers.add(timer);
      return false;
    }
  }

  private async retry(id: string): Promise<void> {
    const current = await this.repository.find(id);
    if (current && current.signalledAt === undefined) await this.signal(current);
  }

  /** Signals every accepted document whose signal has not gone through (at start-up). */
  async resume(): Promise<void> {
    for (const document of await this.repository.listUnsignalled()) {
      if (document.signalAttempts < this.settings.signalMaxAttempts) await this.signal(document);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
