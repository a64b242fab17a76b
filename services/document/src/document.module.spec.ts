import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceKit, SqliteDatabase, WorkflowEngineError } from '@mesh/service-kit';
import { bearer, createTestApp, FakeOnboardingWorkflows, testServiceConfig } from '@mesh/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { EICAR_PDF, jpeg, pdfWithText, png } from './document-fixtures.spec-helper';
import { DocumentPipeline } from './document-pipeline';
import type { DocumentSettings } from './document-settings';
import { DOCUMENT_DEFAULTS, DocumentModule } from './document.module';

describe('document-service', () => {
  let app: INestApplication;
  let workflows: FakeOnboardingWorkflows;
  let token: string;
  let storageDir: string;
  let db: SqliteDatabase;
  let pipeline: DocumentPipeline;
  let kit: ServiceKit;
  const server = () => app.getHttpServer();
  const rows = () => db.all('SELECT id, status FROM documents');
  const files = () => readdirSync(storageDir);

  async function start(overrides: Partial<DocumentSettings> = {}) {
    storageDir = mkdtempSync(join(tmpdir(), 'documents-spec-'));
    workflows = new FakeOnboardingWorkflows();
    workflows.started.add('u-1');
    const settings: DocumentSettings = {
      maxBytes: 64 * 1024,
      storageDir,
      scanMs: { min: 0, max: 0 },
      ocrMs: { min: 0, max: 0 },
      reviewKinds: [],
      reviewConfidenceBelow: 0,
      signalRetryMs: 60_000,
      signalMaxAttempts: 3,
      ...overrides,
    };
    ({ app, kit } = await createTestApp((k) => DocumentModule.forRoot(k, workflows, settings), testServiceConfig(DOCUMENT_DEFAULTS)));
    token = await bearer(kit, { userId: 'u-1' });
    db = app.get(SqliteDatabase);
    pipeline = app.get(DocumentPipeline);
  }
  afterEach(async () => {
    await app.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const upload = (file: Buffer, kind = 'id', name = 'passport.pdf', contentType?: string) =>
    request(server())
      .post('/documents')
      .set('Authorization', token)
      .field('kind', kind)
      .attach('file', file, { filename: name, ...(contentType ? { contentType } : {}) });

  it('accepts a PDF, scans and reads it, and signals documentUploaded', async () => {
    await start();
    const accepted = await upload(pdfWithText('Passport of Ann Example')).expect(202);
    expect(accepted.body).toMatchObject({ userId: 'u-1', kind: 'id', mediaType: 'application/pdf', status: 'received', fileName: 'passport.pdf' });
    expect(accepted.body).not.toHaveProperty('storagePath');
    await pipeline.idle();

    const detail = await request(server()).get(`/documents/${accepted.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body).toMatchObject({ status: 'accepted', ocrText: 'Passport of Ann Example', ocrConfidence: 0.95, signalledAt: expect.any(String), signalAttempts: 1 });
    expect(detail.body.events.map((e: { status: string }) => e.status)).toEqual(['received', 'scanning', 'ocr', 'accepted']);
    expect(workflows.calls).toEqual([{ kind: 'documentUploaded', userId: 'u-1', document: { documentId: accepted.body.id, kind: 'id' } }]);
    expect(files()).toEqual([`${accepted.body.id}.pdf`]);
  });

  it('rejects an infected file at the scan and does not signal', async () => {
    await start();
    const accepted = await upload(EICAR_PDF, 'income').expect(202);
    await pipeline.idle();
    const detail = await request(server()).get(`/documents/${accepted.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body).toMatchObject({ status: 'rejected', statusReason: expect.stringMatching(/virus scan: EICAR/) });
    expect(workflows.calls).toEqual([]);
  });

  it('holds a document for human review, then signals when a reviewer accepts it', async () => {
    await start({ reviewConfidenceBelow: 0.6 });
    const accepted = await upload(jpeg(100, 80), 'tax', 'small.jpg').expect(202);
    await pipeline.idle();
    const pending = await request(server()).get('/reviews').expect(200);
    expect(pending.body).toMatchObject([{ id: accepted.body.id, status: 'review', statusReason: 'OCR confidence 0.5 is below 0.6' }]);
    expect(workflows.calls).toEqual([]);

    await request(server()).post(`/reviews/${accepted.body.id}`).send({ decision: 'accept', note: 'legible enough' }).expect(200);
    expect(workflows.calls).toHaveLength(1);
    expect((await request(server()).post(`/reviews/${accepted.body.id}`).send({ decision: 'reject' }).expect(409)).body.code).toBe('NOT_IN_REVIEW');
  });

  it('records a failed signal and resends it after a restart of the pipeline', async () => {
    await start();
    workflows.failWith = new WorkflowEngineError('signal documentUploaded', new Error('14 UNAVAILABLE'));
    const accepted = await upload(png(1200, 800), 'id', 'id.png').expect(202);
    await pipeline.idle();
    let detail = await request(server()).get(`/documents/${accepted.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body).toMatchObject({ status: 'accepted', signalAttempts: 1, signalError: expect.stringMatching(/UNAVAILABLE/) });
    expect(detail.body.signalledAt).toBeUndefined();

    workflows.failWith = undefined;
    pipeline.onApplicationBootstrap();
    await pipeline.idle();
    detail = await request(server()).get(`/documents/${accepted.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body).toMatchObject({ signalAttempts: 2, signalledAt: expect.any(String) });
    expect(detail.body.signalError).toBeUndefined();
  });

  it('refuses an oversized upload with 413 and stores nothing', async () => {
    await start();
    const big = Buffer.concat([pdfWithText('x'), Buffer.alloc(70 * 1024, 0x20)]);
    const response = await upload(big).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'FILE_TOO_LARGE', message: expect.stringMatching(/upload limit of 65536 bytes/) });
    expect(rows()).toEqual([]);
    expect(files()).toEqual([]);
  });

  it.each([
    ['a text file', Buffer.from('hello, I am not a document'), 'notes.pdf', 'application/pdf', 'UNSUPPORTED_DOCUMENT_TYPE'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'pic.gif', 'image/gif', 'UNSUPPORTED_DOCUMENT_TYPE'],
    ['a PNG declared as PDF', png(800, 600), 'fake.pdf', 'application/pdf', 'CONTENT_TYPE_MISMATCH'],
  ])('refuses %s with 415 and stores nothing', async (_name, bytes, filename, contentType, code) => {
    await start();
    const response = await upload(bytes, 'id', filename, contentType).expect(415);
    expect(response.body).toMatchObject({ statusCode: 415, code });
    expect(rows()).toEqual([]);
    expect(files()).toEqual([]);
  });

  it('refuses a missing or unknown kind, a missing file and a wrong field name with 400', async () => {
    await start();
    expect((await upload(pdfWithText('x'), 'passport').expect(400)).body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'kind' }] });
    expect((await request(server()).post('/documents').set('Authorization', token).attach('file', pdfWithText('x'), 'a.pdf').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await request(server()).post('/documents').set('Authorization', token).field('kind', 'id').expect(400)).body.code).toBe('FILE_REQUIRED');
    expect((await request(server()).post('/documents').set('Authorization', token).field('kind', 'id').attach('upload', pdfWithText('x'), 'a.pdf').expect(400)).body.code).toBe('UNEXPECTED_FILE_FIELD');
    expect(rows()).toEqual([]);
    expect(files()).toEqual([]);
  });

  it('needs a valid token and shows users only their own documents', async () => {
    await start();
    await request(server()).post('/documents').field('kind', 'id').attach('file', pdfWithText('x'), 'a.pdf').expect(401);
    const mine = await upload(pdfWithText('mine')).expect(202);
    const otherToken = await bearer(kit, { userId: 'u-2' });
    await request(server()).get(`/documents/${mine.body.id}`).set('Authorization', otherToken).expect(404);
    expect((await request(server()).get('/documents').set('Authorization', otherToken).expect(200)).body).toEqual([]);
    await pipeline.idle();
  });
});
