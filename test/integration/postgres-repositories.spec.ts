import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PostgresDatabase } from '@mesh/service-kit';
import { ProcessSupervisor, startPostgres, type PostgresHandle } from '@mesh/harness';
import { AUTH_MIGRATIONS } from '@mesh/auth-service/dist/auth.migrations';
import { EmailTakenError } from '@mesh/auth-service/dist/auth.repository';
import { PostgresAuthRepository } from '@mesh/auth-service/dist/postgres-auth.repository';
import { DOCUMENT_MIGRATIONS } from '@mesh/document-service/dist/document.migrations';
import { PostgresDocumentStore } from '@mesh/document-service/dist/document-store';
import { NOTIFICATION_MIGRATIONS } from '@mesh/notification-service/dist/notification.migrations';
import { PostgresNotificationRepository } from '@mesh/notification-service/dist/postgres-notification.repository';
import { suiteRunDir } from '../support/run-dir';

/** The repositories of replicated services against the real PostgreSQL that setup installs. */
describe('PostgreSQL repositories (replicated services)', () => {
  const runDir = suiteRunDir('postgres');
  const supervisor = new ProcessSupervisor(runDir);
  let pg: PostgresHandle;
  const opened: PostgresDatabase[] = [];
  const open = async (schema: string, migrations: readonly string[]) => {
    const db = await PostgresDatabase.open(schema, migrations, { host: pg.host, port: pg.port, user: pg.user, password: pg.env.PGPASSWORD, database: 'postgres' });
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    pg = await startPostgres(supervisor, { dataDir: join(runDir, 'pgdata'), password: randomBytes(12).toString('hex') });
  });
  afterAll(async () => {
    for (const db of opened) await db.close();
    await supervisor.stopAll();
  });

  it('two instances opening one schema at once migrate it once and see each other\'s writes', async () => {
    const [a, b] = await Promise.all([open('auth', AUTH_MIGRATIONS), open('auth', AUTH_MIGRATIONS)]);
    // A reserved word as a service name (user-service's schema is "user").
    await (await open('user', ['CREATE TABLE t (x INTEGER)'])).run('INSERT INTO t (x) VALUES (?)', [1]);
    const one = new PostgresAuthRepository(a!);
    const other = new PostgresAuthRepository(b!);
    const user = { id: randomUUID(), email: `pg-${randomUUID()}@example.test`, passwordHash: 'hash', createdAt: new Date().toISOString() };
    await one.createUser(user);
    expect(await other.findUserByEmail(user.email)).toEqual(user);
    await expect(other.createUser({ ...user, id: randomUUID() })).rejects.toThrow(EmailTakenError);
    expect((await a!.get<{ version: number }>('SELECT version FROM schema_version'))?.version).toBe(AUTH_MIGRATIONS.length);
  });

  it('a magic link redeemed by two instances at once opens one session', async () => {
    const [a, b] = [await open('auth', AUTH_MIGRATIONS), await open('auth', AUTH_MIGRATIONS)];
    const repo = new PostgresAuthRepository(a);
    const user = { id: randomUUID(), email: `ml-${randomUUID()}@example.test`, passwordHash: 'h', createdAt: new Date().toISOString() };
    await repo.createUser(user);
    const tokenHash = randomUUID();
    await repo.createMagicLink({ tokenHash, userId: user.id, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const session = (id: string) => ({ id, method: 'magic-link' as const, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const outcomes = await Promise.all([repo.redeemMagicLink(tokenHash, new Date().toISOString(), session(randomUUID())), new PostgresAuthRepository(b).redeemMagicLink(tokenHash, new Date().toISOString(), session(randomUUID()))]);
    expect(outcomes.filter((o) => o.redeemed)).toHaveLength(1);
    expect(await repo.listSessions(user.id)).toHaveLength(1);
  });

  it('an idempotent notification sent to two instances is stored once', async () => {
    const [a, b] = [await open('notification', NOTIFICATION_MIGRATIONS), await open('notification', NOTIFICATION_MIGRATIONS)];
    const key = randomUUID();
    const record = (id: string) => ({ id, userId: 'u1', channel: 'email' as const, template: 'welcome' as const, status: 'queued' as const, createdAt: new Date().toISOString() });
    const [first, second] = await Promise.all([new PostgresNotificationRepository(a).insert(record(randomUUID()), key), new PostgresNotificationRepository(b).insert(record(randomUUID()), key)]);
    expect([first.created, second.created].sort()).toEqual([false, true]);
    expect(first.record.id).toBe(second.record.id);
  });

  it('document bytes written on one instance are read on another', async () => {
    const [a, b] = [await open('document', DOCUMENT_MIGRATIONS), await open('document', DOCUMENT_MIGRATIONS)];
    const bytes = randomBytes(4096);
    const path = await new PostgresDocumentStore(a).write(`${randomUUID()}.pdf`, bytes);
    expect(Buffer.compare(await new PostgresDocumentStore(b).read(path), bytes)).toBe(0);
    await new PostgresDocumentStore(b).remove(path);
    await expect(new PostgresDocumentStore(a).read(path)).rejects.toThrow(/missing/);
  });
});
