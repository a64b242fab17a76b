import { PostgresDatabase } from '@mesh/service-kit';
/** Where uploaded bytes live; the returned path is what `storage_path` records. */
export declare abstract class DocumentStore {
    abstract write(name: string, bytes: Buffer): Promise<string>;
    abstract read(path: string): Promise<Buffer>;
    abstract remove(path: string): Promise<void>;
}
/** One file per document, written atomically (temp file, fsync, rename): the single-node store. */
export declare class FileDocumentStore extends DocumentStore {
    private readonly dir;
    constructor(dir: string);
    write(name: string, bytes: Buffer): Promise<string>;
    read(path: string): Promise<Buffer>;
    remove(path: string): Promise<void>;
}
/**
 * The bytes in PostgreSQL, beside the rows, for instances on several nodes: a document
 * uploaded on one node is scanned and reviewed on another. Uploads are capped at
 * DOCUMENT_MAX_UPLOAD_BYTES (10 MiB in the demo), well within a bytea.
 */
export declare class PostgresDocumentStore extends DocumentStore {
    private readonly db;
    constructor(db: PostgresDatabase);
    write(name: string, bytes: Buffer): Promise<string>;
    read(path: string): Promise<Buffer>;
    remove(path: string): Promise<void>;
}
//# sourceMappingURL=document-store.d.ts.map