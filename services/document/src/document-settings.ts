import { envInt, envNumber, envOptionalString, envRange, type Env, ConfigError, type DocumentKind } from '@mesh/service-kit';
import { join } from 'node:path';

export interface DocumentSettings {
  /** Largest accepted upload (DOCUMENT_MAX_BYTES, default 5 MiB). */
  maxBytes: number;
  /** Where uploaded files are kept (DOCUMENT_STORAGE_DIR, default <MESH_DATA_DIR>/documents). */
  storageDir: string;
  /** Simulated durations of the scan and OCR steps (DOCUMENT_SCAN_MS default 100-400, DOCUMENT_OCR_MS default 200-600). */
  scanMs: { min: number; max: number };
  ocrMs: { min: number; max: number };
  /** Kinds that always go to human review (DOCUMENT_REVIEW_KINDS, comma list; default none). */
  reviewKinds: DocumentKind[];
  /** OCR confidence below which a document goes to human review (DOCUMENT_REVIEW_CONFIDENCE_BELOW, 0..1; default 0: never). */
  reviewConfidenceBelow: number;
  /** Signal retries: first delay, doubling up to 30 s (DOCUMENT_SIGNAL_RETRY_MS, default 1000; DOCUMENT_SIGNAL_MAX_ATTEMPTS default 30). */
  signalRetryMs: number;
  signalMaxAttempts: number;
}

export const DOCUMENT_SETTINGS = Symbol('DocumentSettings');

const KINDS: readonly DocumentKind[] = ['id', 'income', 'tax'];

export function documentSettings(dataDir: string, env: Env = process.env): DocumentSettings {
  const reviewKinds = (envOptionalString(env, 'DOCUMENT_REVIEW_KINDS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const kind of reviewKinds) {
    if (!KINDS.includes(kind as DocumentKind)) throw new ConfigError('DOCUMENT_REVIEW_KINDS', reviewKinds.join(','), 'a comma list of id, income, tax');
  }
  return {
    maxBytes: envInt(env, 'DOCUMENT_MAX_BYTES', 5 * 1024 * 1024, { min: 1024, max: 100 * 1024 * 1024 }),
    storageDir: envOptionalString(env, 'DOCUMENT_STORAGE_DIR') ?? join(dataDir, 'documents'),
    scanMs: envRange(env, 'DOCUMENT_SCAN_MS', { min: 100, max: 400 }),
    ocrMs: envRange(env, 'DOCUMENT_OCR_MS', { min: 200, max: 600 }),
    reviewKinds: reviewKinds as DocumentKind[],
    reviewConfidenceBelow: envNumber(env, 'DOCUMENT_REVIEW_CONFIDENCE_BELOW', 0, { min: 0, max: 1 }),
    signalRetryMs: envInt(env, 'DOCUMENT_SIGNAL_RETRY_MS', 1000, { min: 10 }),
    signalMaxAttempts: envInt(env, 'DOCUMENT_SIGNAL_MAX_ATTEMPTS', 30, { min: 1 }),
  };
}
