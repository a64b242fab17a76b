import { PostgresDatabase } from '@mesh/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { DocumentEvent, DocumentRepository, DocumentStatus, StoredDocument } from './document.repository';
import { toDocument, type DocumentRow } from './sqlite-document.repository';

/** The same tables as SqliteDocumentRepository, shared by every instance through PostgreSQL. */
@Injectable()
export class PostgresDocumentRepository implements DocumentRepository {
  constructor(@Inject(PostgresDatabase) private readonly db: PostgresDatabase) {}

  async insert(d: StoredDocument): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO documents (id, user_id, kind, file_name, media_type, size_bytes, sha256, storage_path, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [d.id, d.userId, d.kind, d.fileName, d.mediaType, d.sizeBytes, d.sha256, d.storagePath, d.status, d.createdAt, d.updatedAt],
      );
      await tx.run('INSERT INTO document_events (document_id, status, at) VALUES (?, ?, ?)', [d.id, d.status, d.createdAt]);
    });
  }

  async find(id: string): Promise<StoredDocument | undefined> {
    const row = await this.db.get<DocumentRow>('SELECT * FROM documents WHERE id = ?', [id]);
    return row && toDocument(row);
  }

  async listByUser(userId: string): Promise<StoredDocument[]> {
    return (await this.db.all<DocumentRow>('SELECT * FROM documents WHERE user_id = ? ORDER BY created_at, id', [userId])).map(toDocument);
  }

  async listByStatus(statuses: readonly DocumentStatus[]): Promise<StoredDocument[]> {
    if (statuses.length === 0) return [];
    return (await this.db.all<DocumentRow>(`SELECT * FROM documents WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY created_at, id`, statuses)).map(toDocument);
  }

  async listUnsignalled(): Promise<StoredDocument[]> {
    return (await this.db.all<DocumentRow>("SELECT * FROM documents WHERE status = 'accepted' AND signalled_at IS NULL ORDER BY created_at, id")).map(toDocument);
  }

  async transition(id: string, status: DocumentStatus, at: string, details: { reason?: string; ocrText?: string; ocrConfidence?: number } = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE documents SET status = ?, updated_at = ?, status_reason = COALESCE(?, status_reason),
           ocr_text = COALESCE(?, ocr_text), ocr_confidence = COALESCE(?, ocr_confidence) WHERE id = ?`,
        [status, at, details.reason ?? null, details.ocrText ?? null, details.ocrConfidence ?? null, id],
      );
      await tx.run('INSERT INTO document_events (document_id, status, note, at) VALUES (?, ?, ?, ?)', [id, status, details.reason ?? null, at]);
    });
  }

  async events(id: string): Promise<DocumentEvent[]> {
    return (await this.db.all<{ status: DocumentStatus; note: string | null; at: string }>('SELECT status, note, at FROM document_events WHERE document_id = ? ORDER BY seq', [id])).map((e) => ({
      status: e.status,
      ...(e.note !== null ? { note: e.note } : {}),
      at: e.at,
    }));
  }

  async recordSignal(id: string, outcome: { at: string; error?: string }): Promise<void> {
    if (outcome.error === undefined) {
      await this.db.run('UPDATE documents SET signalled_at = ?, signal_attempts = signal_attempts + 1, signal_error = NULL WHERE id = ?', [outcome.at, id]);
    } else {
      await this.db.run('UPDATE documents SET signal_attempts = signal_attempts + 1, signal_error = ? WHERE id = ?', [outcome.error, id]);
    }
  }
}
