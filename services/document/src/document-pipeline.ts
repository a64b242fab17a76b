import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CLOCK, type Clock, LOGGER, ServiceMetrics } from '@mesh/service-kit';
import { type BeforeApplicationShutdown, HttpStatus, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { recognizeText, scanForViruses } from './document-processing';
import { DOCUMENT_SETTINGS, type DocumentSettings } from './document-settings';
import { DocumentStore } from './document-store';
import { DOCUMENT_REPOSITORY, type DocumentRepository, type StoredDocument } from './document.repository';
import { WorkflowSignaller } from './workflow-signaller';

/**
 * The in-process worker behind an upload: received -> scanning -> ocr -> (review) ->
 * accepted | rejected, one document at a time, each step recorded. Accepted documents
 * signal the workflow. Documents caught mid-pipeline by a restart start over.
 */
@Injectable()
export class DocumentPipeline implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly queue: string[] = [];
  private draining: Promise<void> | undefined;
  private resuming: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly steps: Counter<'step' | 'outcome'>;

  constructor(
    @Inject(DOCUMENT_REPOSITORY) private readonly repository: DocumentRepository,
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(WorkflowSignaller) private readonly signaller: WorkflowSignaller,
    @Inject(DOCUMENT_SETTINGS) private readonly settings: DocumentSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.steps = new Counter({ name: 'document_pipeline_steps_total', help: 'Document processing steps by outcome', labelNames: ['step', 'outcome'], registers: [metrics.registry] });
  }

  onApplicationBootstrap(): void {
    this.resuming = this.resume().catch((error: unknown) => this.logger.error({ err: error }, 'resuming pending signals failed'));
  }

  private async resume(): Promise<void> {
    for (const document of await this.repository.listByStatus(['received', 'scanning', 'ocr'])) this.enqueue(document.id);
    await this.signaller.resume();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.signaller.stop();
    await this.resuming;
    await this.draining;
  }

  enqueue(id: string): void {
    this.queue.push(id);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once every queued document has been processed (tests use it instead of polling). */
  async idle(): Promise<void> {
    await this.resuming;
    while (this.draining) await this.draining;
  }

  /** A reviewer's verdict on a document waiting in review. */
  async review(id: string, verdict: 'accept' | 'reject', note: string | undefined): Promise<StoredDocument> {
    const document = await this.repository.find(id);
    if (!document) throw new ApiError(HttpStatus.NOT_FOUND, 'DOCUMENT_NOT_FOUND', `No document ${id}.`);
    if (document.status !== 'review') throw new ApiError(HttpStatus.CONFLICT, 'NOT_IN_REVIEW', `Document ${id} is ${document.status}, not waiting for review.`);
    const at = this.clock.now().toISOString();
    if (verdict === 'reject') {
      await this.repository.transition(id, 'rejected', at, { reason: `review: rejected${note ? ` (${note})` : ''}` });
      this.steps.inc({ step: 'review', outcome: 'rejected' });
    } else {
      await this.repository.transition(id, 'accepted', at, { reason: `review: accepted${note ? ` (${note})` : ''}` });
      this.steps.inc({ step: 'review', outcome: 'accepted' });
      await this.signaller.signal({ ...document, status: 'accepted' });
    }
    return (await this.repository.find(id)) ?? document;
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
      try {
        await this.process(id);
      } catch (error) {
        this.logger.error({ err: error, documentId: id }, 'document processing failed; it stays in its current step until the next restart');
      }
    }
  }

  private async process(id: string): Promise<void> {
    const document = await this.repository.find(id);
    if (!document || !['received', 'scanning', 'ocr'].includes(document.status)) return;
    const bytes = await this.store.read(document.storagePath);

    await this.repository.transition(id, 'scanning', this.now());
    await this.simulate(this.settings.scanMs);
    const scan = scanForViruses(bytes);
    if (!scan.clean) {
      await this.repository.transition(id, 'rejected', this.now(), { reason: `virus scan: ${scan.finding}` });
      this.steps.inc({ step: 'scan', outcome: 'infected' });
      return;
    }
    this.steps.inc({ step: 'scan', outcome: 'clean' });

    await this.repository.transition(id, 'ocr', this.now());
    await this.simulate(this.settings.ocrMs);
    const ocr = recognizeText(bytes, document.mediaType);
    this.steps.inc({ step: 'ocr', outcome: 'done' });

    const reviewReason = this.settings.reviewKinds.includes(document.kind)
      ? `every ${document.kind} document is reviewed`
      : ocr.confidence < this.settings.reviewConfidenceBelow
        ? `OCR confidence ${ocr.confidence} is below ${this.settings.reviewConfidenceBelow}`
        : undefined;
    if (reviewReason) {
      await this.repository.transition(id, 'review', this.now(), { reason: reviewReason, ocrText: ocr.text, ocrConfidence: ocr.confidence });
      this.steps.inc({ step: 'review', outcome: 'queued' });
      return;
    }
    await this.repository.transition(id, 'accepted', this.now(), { ocrText: ocr.text, ocrConfidence: ocr.confidence });
    await this.signaller.signal({ ...document, status: 'accepted' });
  }

  private async simulate(range: { min: number; max: number }): Promise<void> {
    const ms = Math.round(range.min + Math.random() * (range.max - range.min));
    if (ms > 0) await sleep(ms);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
