import type { DocumentKind } from '@mesh/service-kit';
import type { DocumentMediaType } from './file-type';

export type DocumentStatus = 'received' | 'scanning' | 'ocr' | 'review' | 'accepted' | 'rejected';

export interface StoredDocument {
  id: string;
  userId: string;
  kind: DocumentKind;
  fileName: string;
  mediaType: DocumentMediaType;
  sizeBytes: number;
  sha256: string;
  storagePath: string;
  status: DocumentStatus;
  statusReason?: string;
  ocrText?: string;
  ocrConfidence?: number;
  createdAt: string;
  updatedAt: string;
  /** When the workflow accepted the documentUploaded signal. */
  signalledAt?: string;
  signalAttempts: number;
  signalError?: string;
}

export interface DocumentEvent {
  status: DocumentStatus;
  note?: string;
  at: string;
}

/** document-service's storage of document metadata and each step's history (the bytes live in files). */
export interface DocumentRepository {
  insert(document: StoredDocument): Promise<void>;
  find(id: string): Promise<StoredDocument | undefined>;
  listByUser(userId: string): Promise<StoredDocument[]>;
  listByStatus(statuses: readonly DocumentStatus[]): Promise<StoredDocument[]>;
  /** Accepted documents whose signal has not gone through. */
  listUnsignalled(): Promise<StoredDocument[]>;
  transition(id: string, status: DocumentStatus, at: string, details?: { reason?: string; ocrText?: string; ocrConfidence?: number }): Promise<void>;
  events(id: string): Promise<DocumentEvent[]>;
  recordSignal(id: string, outcome: { at: string; error?: string }): Promise<void>;
}

export const DOCUMENT_REPOSITORY = Symbol('DocumentRepository');
