import { type DocumentKind, SqliteDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { DocumentEvent, DocumentRepository, DocumentStatus, StoredDocument } from './document.repository';
import type { DocumentMediaType } from './file-type';

export interface DocumentRow {
  id: string;
  user_id: string;
  kind: DocumentKind;
  file_name: string;
  media_type: DocumentMediaType;
  size_bytes: number;
  sha256: string;
  storage_path: string;
  status: DocumentStatus;
  status_reason: string | null;
  ocr_text: string | null;
  ocr_confidence: number | null;
  created_at: string;
  updated_at: string;
  signalled_at: string | null;
  signal_attempts: number;
  signal_error: string | null;
}

export function toDocument(row: DocumentRow): StoredDocument {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    fileName: row.file_name,
    mediaType: row.media_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    storagePath: row.storage_path,
    status: row.status,
    ...(row.status_reason !== null ? { statusReason: row.status_reason } : {}),
    ...(row.ocr_text !== null ? { ocrText: row.ocr_text } : {}),
    ...(row.ocr_confidence !== null ? { ocrConfidence: row.ocr_confidence } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.signalled_at !== null ? { signalledAt: row.signalled_at } : {}),
    signalAttempts: row.signal_attempts,
    ...(row.signal_error !== null ? { signalError: row.signal_error } : {}),
  };
}

@Injectable()
export class SqliteDocumentRepository implements DocumentRepository {
  constructor(@Inject(SqliteDatabase) private readonly db: SqliteDatabase) {}

  async insert(d: StoredDocument): Promise<void> {
    this.db.transaction(() => {
      this.db.run(
        `INSERT INTO documents (id, user_id, kind, file_name, media_type, size_bytes, sha256, storage_path, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [d.id, d.userId, d.kind, d.fileName, d.mediaType, d.sizeBytes, d.sha256, d.storagePath, d.status, d.createdAt, d.updatedAt],
      );
      this.db.run('INSERT INTO document_events (document_id, status, at) VALUES (?, ?, ?)', [d.id, d.status, d.createdAt]);
    });
  }

  async find(id: string): Promise<StoredDocument | undefined> {
    const row = this.db.get<DocumentRow>('SELECT * FROM documents WHERE id = ?', [id]);
    return row && toDocument(row);
  }

  async listByUser(userId: string): Promise<StoredDocument[]> {
    return this.db.all<DocumentRow>('SELECT * FROM documents WHERE user_id = ? ORDER BY created_at, id', [userId]).map(toDocument);
  }

  async listByStatus(statuses: readonly DocumentStatus[]): Promise<StoredDocument[]> {
    if (statuses.length === 0) return [];
    return this.db.all<DocumentRow>(`SELECT * FROM documents WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY created_at, id`, statuses).map(toDocument);
  }

  async listUnsignalled(): Promise<StoredDocument[]> {
    return this.db.all<DocumentRow>("SELECT * FROM documents WHERE status = 'accepted' AND signalled_at IS NULL ORDER BY created_at, id").map(toDocument);
  }

  async transition(id: string, status: DocumentStatus, at: string, details: { reason?: string; ocrText?: string; ocrConfidence?: number } = {}): Promise<void> {
    this.db.transaction(() => {
      this.db.run(
        `UPDATE documents SET status = ?, updated_at = ?, status_reason = COALESCE(?, status_reason),
           ocr_text = COALESCE(?, ocr_text), ocr_confidence = COALESCE(?, ocr_confidence) WHERE id = ?`,
        [status, at, details.reason ?? null, details.ocrText ?? null, details.ocrConfidence ?? null, id],
      );
      this.db.run('INSERT INTO document_events (document_id, status, note, at) VALUES (?, ?, ?, ?)', [id, status, details.reason ?? null, at]);
    });
  }

  async events(id: string): Promise<DocumentEvent[]> {
    return this.db
      .all<{ status: DocumentStatus; note: string | null; at: string }>('SELECT status, note, at FROM document_events WHERE document_id = ? ORDER BY seq', [id])
      .map((e) => ({ status: e.status, ...(e.note !== null ? { note: e.note } : {}), at: e.at }));
  }

  async recordSignal(id: string, outcome: { at: string; error?: string }): Promise<void> {
    if (outcome.error === undefined) {
      this.db.run('UPDATE documents SET signalled_at = ?, signal_attempts = signal_attempts + 1, signal_error = NULL WHERE id = ?', [outcome.at, id]);
    } else {
      this.db.run('UPDATE documents SET signal_attempts = signal_attempts + 1, signal_error = ? WHERE id = ?', [outcome.error, id]);
    }
  }
}
