"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PostgresDocumentStore = exports.FileDocumentStore = exports.DocumentStore = void 0;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
/** Where uploaded bytes live; the returned path is what `storage_path` records. */
class DocumentStore {
}
exports.DocumentStore = DocumentStore;
/** One file per document, written atomically (temp file, fsync, rename): the single-node store. */
class FileDocumentStore extends DocumentStore {
    dir;
    constructor(dir) {
        super();
        this.dir = dir;
    }
    async write(name, bytes) {
        (0, node_fs_1.mkdirSync)(this.dir, { recursive: true });
        const path = (0, node_path_1.join)(this.dir, name);
        const temporary = `${path}.tmp`;
        const fd = (0, node_fs_1.openSync)(temporary, 'w');
        try {
            (0, node_fs_1.writeSync)(fd, bytes);
            (0, node_fs_1.fsyncSync)(fd);
        }
        finally {
            (0, node_fs_1.closeSync)(fd);
        }
        (0, node_fs_1.renameSync)(temporary, path);
        return path;
    }
    async read(path) {
        return (0, node_fs_1.readFileSync)(path);
    }
    async remove(path) {
        (0, node_fs_1.rmSync)(path, { force: true });
    }
}
exports.FileDocumentStore = FileDocumentStore;
const PG_PREFIX = 'pg:';
/**
 * The bytes in PostgreSQL, beside the rows, for instances on several nodes: a document
 * uploaded on one node is scanned and reviewed on another. Uploads are capped at
 * DOCUMENT_MAX_UPLOAD_BYTES (10 MiB in the demo), well within a bytea.
 */
class PostgresDocumentStore extends DocumentStore {
    db;
    constructor(db) {
        super();
        this.db = db;
    }
    async write(name, bytes) {
        await this.db.run('INSERT INTO document_blobs (name, bytes) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes', [name, bytes]);
        return `${PG_PREFIX}${name}`;
    }
    async read(path) {
        const row = await this.db.get('SELECT bytes FROM document_blobs WHERE name = ?', [path.slice(PG_PREFIX.length)]);
        if (!row)
            throw new Error(`document bytes ${path} are missing from document_blobs`);
        return row.bytes;
    }
    async remove(path) {
        await this.db.run('DELETE FROM document_blobs WHERE name = ?', [path.slice(PG_PREFIX.length)]);
    }
}
exports.PostgresDocumentStore = PostgresDocumentStore;
//# sourceMappingURL=document-store.js.map