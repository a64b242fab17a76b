import { ManualClock, SqliteDatabase } from '@mesh/service-kit';
import { createTestApp, testServiceConfig } from '@mesh/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AUTH_DEFAULTS, AuthModule } from './auth.module';

describe('auth-service', () => {
  let app: INestApplication;
  let clock: ManualClock;
  let db: SqliteDatabase;
  const server = () => app.getHttpServer();
  const count = (table: string) => db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)?.n;

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    ({ app } = await createTestApp((kit) => AuthModule.forRoot(kit, { tokenTtlSeconds: 3600, magicLinkTtlSeconds: 600 }), testServiceConfig(AUTH_DEFAULTS), clock));
    db = app.get(SqliteDatabase);
  });
  afterEach(() => app.close());

  const register = (email = 'Ann@Example.test', password = 'correct horse') => request(server()).post('/auth/register').send({ email, password });
  const login = (email = 'ann@example.test', password = 'correct horse') => request(server()).post('/auth/login').send({ email, password });

  it('registers, stores only a hash, and logs in with a JWT and a stored session', async () => {
    const registered = await register().expect(201);
    expect(registered.body).toMatchObject({ email: 'ann@example.test', userId: expect.any(String) });
    const stored = db.get<{ password_hash: string }>('SELECT password_hash FROM users');
    expect(stored?.password_hash).toMatch(/^\$argon2id\$/);

    const grant = await login().expect(200);
    expect(grant.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, userId: registered.body.userId, sessionId: expect.any(String) });
    const session = await request(server()).get('/auth/session').set('Authorization', `Bearer ${grant.body.accessToken}`).expect(200);
    expect(session.body).toMatchObject({ id: grant.body.sessionId, method: 'password', active: true });
  });

  it('rejects a wrong password and an unknown e-mail alike, opening no session', async () => {
    await register().expect(201);
    expect((await login('ann@example.test', 'wrong password').expect(401)).body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await login('bob@example.test').expect(401)).body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(count('sessions')).toBe(0);
  });

  it('refuses a second account for the same e-mail, whatever its case', async () => {
    await register().expect(201);
    expect((await register('ANN@example.TEST').expect(409)).body).toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(count('users')).toBe(1);
  });

  it.each([
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"email": "a@b.c", "password"'), 'MALFORMED_JSON'],
    ['a missing password', (r: request.Test) => r.send({ email: 'a@example.test' }), 'VALIDATION_FAILED'],
    ['an invalid e-mail', (r: request.Test) => r.send({ email: 'not-an-email', password: 'long enough' }), 'VALIDATION_FAILED'],
    ['a short password', (r: request.Test) => r.send({ email: 'a@example.test', password: 'short' }), 'VALIDATION_FAILED'],
    ['no body', (r: request.Test) => r, 'VALIDATION_FAILED'],
  ])('answers registration with %s by 400 and stores nothing', async (_name, send, code) => {
    const response = await send(request(server()).post('/auth/register')).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code, path: '/auth/register' });
    expect(count('users')).toBe(0);
  });

  it('redeems a magic link exactly once', async () => {
    await register().expect(201);
    const issued = await request(server()).post('/auth/magic-links').send({ email: 'ann@example.test' }).expect(201);
    expect(issued.body).toMatchObject({ token: expect.any(String), delivery: 'simulated' });
    expect(JSON.stringify(db.all('SELECT * FROM magic_links'))).not.toContain(issued.body.token);

    const grant = await request(server()).post('/auth/magic-links/redeem').send({ token: issued.body.token }).expect(200);
    const session = await request(server()).get('/auth/session').set('Authorization', `Bearer ${grant.body.accessToken}`).expect(200);
    expect(session.body.method).toBe('magic-link');

    const again = await request(server()).post('/auth/magic-links/redeem').send({ token: issued.body.token }).expect(410);
    expect(again.body).toMatchObject({ code: 'MAGIC_LINK_USED' });
    expect(count('sessions')).toBe(1);
  });

  it('refuses an expired or unknown magic link', async () => {
    await register().expect(201);
    const issued = await request(server()).post('/auth/magic-links').send({ email: 'ann@example.test' }).expect(201);
    clock.advance(601_000);
    expect((await request(server()).post('/auth/magic-links/redeem').send({ token: issued.body.token }).expect(410)).body).toMatchObject({ code: 'MAGIC_LINK_EXPIRED' });
    expect((await request(server()).post('/auth/magic-links/redeem').send({ token: 'x'.repeat(43) }).expect(401)).body).toMatchObject({ code: 'INVALID_MAGIC_LINK' });
    expect((await request(server()).post('/auth/magic-links').send({ email: 'nobody@example.test' }).expect(404)).body).toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
    expect(count('sessions')).toBe(0);
  });

  it('ends the session on logout and lists sessions', async () => {
    await register().expect(201);
    const first = await login().expect(200);
    const second = await login().expect(200);
    const auth = (grant: request.Response) => ({ Authorization: `Bearer ${grant.body.accessToken}` });
    await request(server()).post('/auth/logout').set(auth(first)).expect(204);
    expect((await request(server()).get('/auth/session').set(auth(first)).expect(401)).body).toMatchObject({ code: 'SESSION_ENDED' });
    const sessions = await request(server()).get('/auth/sessions').set(auth(second)).expect(200);
    expect(sessions.body.map((s: { id: string; active: boolean }) => [s.id, s.active]).sort()).toEqual(
      [
        [first.body.sessionId, false],
        [second.body.sessionId, true],
      ].sort(),
    );
  });

  it('needs a valid token for session routes', async () => {
    expect((await request(server()).get('/auth/sessions').expect(401)).body).toMatchObject({ code: 'MISSING_TOKEN' });
    expect((await request(server()).get('/auth/sessions').set('Authorization', 'Bearer a.b.c').expect(401)).body).toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
