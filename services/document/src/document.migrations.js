"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DOCUMENT_MIGRATIONS = void 0;
exports.DOCUMENT_MIGRATIONS = [
    `CREATE TABLE documents (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('id', 'income', 'tax')),
     file_name TEXT NOT NULL,
     media_type TEXT NOT NULL,
     size_bytes INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     storage_path TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('received', 'scanning', 'ocr', 'review', 'accepted', 'rejected')),
     status_reason TEXT,
     ocr_text TEXT,
     ocr_confidence REAL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     signalled_at TEXT,
     signal_attempts INTEGER NOT NULL DEFAULT 0,
     signal_error TEXT
   );
   CREATE INDEX documents_by_user ON documents (user_id, created_at);
   CREATE INDEX documents_by_status ON documents (status);
   CREATE TABLE document_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     document_id TEXT NOT NULL REFERENCES documents(id),
     status TEXT NOT NULL,
     note TEXT,
     at TEXT NOT NULL
   );`,
    // The bytes of uploads beside the rows, for instances on several nodes (PostgresDocumentStore); unused on SQLite.
    `CREATE TABLE document_blobs (
     name TEXT PRIMARY KEY,
     bytes BLOB NOT NULL
   );`,
];
//# sourceMappingURL=document.migrations.js.map