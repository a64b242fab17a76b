import { createHash, randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { ApiError, CLOCK, type Clock, ServiceMetrics } from '@mesh/service-kit';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DocumentPipeline } from './document-pipeline';
import { DocumentStore } from './document-store';
import { DOCUMENT_REPOSITORY, type DocumentEvent, type DocumentRepository, type StoredDocument } from './document.repository';
import type { UploadFields } from './document.schemas';
import { detectMediaType, EXTENSION } from './file-type';

export type DocumentView = Omit<StoredDocument, 'storagePath'>;
export type DocumentDetail = DocumentView & { events: DocumentEvent[] };

/** What multer hands over for the `file` part (memory storage). */
export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

const DECLARABLE = new Set(['application/pdf', 'image/png', 'image/jpeg']);

@Injectable()
export class DocumentService {
  private readonly uploads: Counter<'kind' | 'media_type'>;

  constructor(
    @Inject(DOCUMENT_REPOSITORY) private readonly repository: DocumentRepository,
    @Inject(DocumentStore) private readonly store: DocumentStore,
    @Inject(DocumentPipeline) private readonly pipeline: DocumentPipeline,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ServiceMetrics) metrics: ServiceMetrics,
  ) {
    this.uploads = new Counter({ name: 'document_uploads_total', help: 'Accepted uploads by kind and detected type', labelNames: ['kind', 'media_type'], registers: [metrics.registry] });
  }

  /** Checks everything before writing anything; the file and its row are stored together or not at all. */
  async upload(userId: string, fields: UploadFields, file: UploadedFile | undefined): Promise<DocumentView> {
    if (!file) throw new ApiError(HttpStatus.BAD_REQUEST, 'FILE_REQUIRED', 'Send the document as multipart/form-data with the file in the field "file" and its kind in "kind".');
    if (file.size === 0) throw new ApiError(HttpStatus.BAD_REQUEST, 'EMPTY_FILE', 'The uploaded file is empty.');
    const mediaType = detectMediaType(file.buffer);
    if (!mediaType) {
      throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_DOCUMENT_TYPE', `The file's content is not a PDF, PNG or JPEG (declared ${file.mimetype}); only those types are accepted.`);
    }
    if (DECLARABLE.has(file.mimetype) && file.mimetype !== mediaType) {
      throw new ApiError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'CONTENT_TYPE_MISMATCH', `The file was declared ${file.mimetype} but its content is ${mediaType}.`);
    }
    const id = randomUUID();
    const now = this.clock.now().toISOString();
    const storagePath = await this.store.write(`${id}.${EXTENSION[mediaType]}`, file.buffer);
    const document: StoredDocument = {
      id,
      userId,
      kind: fields.kind,
      fileName: basename(file.originalname.replace(/\\/g, '/')).slice(0, 200) || 'upload',
      mediaType,
      sizeBytes: file.size,
      sha256: createHash('sha256').update(file.buffer).digest('hex'),
      storagePath,
      status: 'received',
      createdAt: now,
      updatedAt: now,
      signalAttempts: 0,
    };
    try {
      await this.repository.insert(document);
    } catch (error) {
      await this.store.remove(storagePath);
      throw error;
    }
    this.uploads.inc({ kind: fields.kind, media_type: mediaType });
    this.pipeline.enqueue(id);
    return view(document);
  }

  async list(userId: string): Promise<DocumentView[]> {
    return (await this.repository.listByUser(userId)).map(view);
  }

  async detail(userId: string, id: string): Promise<DocumentDetail> {
    const document = await this.repository.find(id);
    // Someone else's document is reported exactly like a missing one.
    if (!document || document.userId !== userId) throw new ApiError(HttpStatus.NOT_FOUND, 'DOCUMENT_NOT_FOUND', `You have no document ${id}.`);
    return { ...view(document), events: await this.repository.events(id) };
  }

  async pendingReviews(): Promise<DocumentView[]> {
    return (await this.repository.listByStatus(['review'])).map(view);
  }

  async review(id: string, verdict: 'accept' | 'reject', note: string | undefined): Promise<DocumentView> {
    return view(await this.pipeline.review(id, verdict, note));
  }
}

function view(document: StoredDocument): DocumentView {
  const { storagePath: _storagePath, ...rest } = document;
  return rest;
}
