import { SqliteDatabase } from '@mesh/service-kit';
import { createTestApp, testServiceConfig } from '@mesh/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { APPROVAL_DEFAULTS, ApprovalModule } from './approval.module';
import { creditScoreFor } from './credit-score';

/** Replays a fixed sequence of "random" numbers. */
function sequence(...values: number[]) {
  let i = 0;
  return { next: () => values[i++ % values.length] ?? 0 };
}

describe('approval-service', () => {
  let app: INestApplication;
  let db: SqliteDatabase;
  const server = () => app.getHttpServer();

  async function start(failureRate: number, random = sequence(0.5)) {
    ({ app } = await createTestApp((kit) => ApprovalModule.forRoot(kit, { creditScoreLatencyMs: { min: 0, max: 0 }, creditScoreFailureRate: failureRate }, random), testServiceConfig(APPROVAL_DEFAULTS)));
    db = app.get(SqliteDatabase);
  }
  afterEach(() => app.close());

  const profile = { name: 'Ann Example', address: '1 Main Street, Springfield', contact: 'ann@example.test' };

  it('checks eligibility and names every failed rule', async () => {
    await start(0);
    await request(server()).post('/eligibility').send({ userId: 'u1', profile, documentKinds: ['id'] }).expect(200, { eligible: true, reasons: [] });
    const failing = await request(server())
      .post('/eligibility')
      .send({ userId: 'u1', profile: { name: 'A', address: 'x', contact: 'nope' }, documentKinds: [] })
      .expect(200);
    expect(failing.body.eligible).toBe(false);
    expect(failing.body.reasons).toHaveLength(4);
  });

  it('scores the same user the same way every time and records each check', async () => {
    await start(0);
    const first = await request(server()).post('/credit-scores').send({ userId: 'u-42' }).expect(200);
    const second = await request(server()).post('/credit-scores').send({ userId: 'u-42' }).expect(200);
    expect(first.body).toEqual({ userId: 'u-42', score: creditScoreFor('u-42') });
    expect(second.body).toEqual(first.body);
    expect(first.body.score).toBeGreaterThanOrEqual(560);
    expect(first.body.score).toBeLessThan(850);
    expect(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM credit_checks WHERE outcome = 'scored'")?.n).toBe(2);
  });

  it('fails the configured share of credit score requests with 503', async () => {
    // Each request draws latency, then failure: 0.1 < 0.5 fails, 0.9 does not.
    await start(0.5, sequence(0, 0.1, 0, 0.9));
    expect((await request(server()).post('/credit-scores').send({ userId: 'u' }).expect(503)).body).toMatchObject({ code: 'CREDIT_BUREAU_UNAVAILABLE', statusCode: 503 });
    await request(server()).post('/credit-scores').send({ userId: 'u' }).expect(200);
    const metrics = await request(server()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/approval_credit_checks_total\{[^}]*outcome="unavailable"[^}]*\} 1\n/);
  });

  it('records decisions, serves the latest, and does not duplicate a retried one', async () => {
    await start(0);
    await request(server()).get('/decisions/u1').expect(404);
    const body = { userId: 'u1', decision: 'approved', creditScore: 700, reasons: ['score 700 >= 650'] };
    const created = await request(server()).post('/decisions').send(body).expect(201);
    expect(created.body).toMatchObject({ ...body, decidedAt: expect.any(String) });
    await request(server()).post('/decisions').send(body).expect(200);
    await request(server()).post('/decisions').send({ ...body, decision: 'rejected' }).expect(201);
    expect((await request(server()).get('/decisions/u1').expect(200)).body.decision).toBe('rejected');
    expect((await request(server()).get('/decisions/u1/history').expect(200)).body).toHaveLength(2);
  });

  it.each([
    ['an unknown decision', { userId: 'u1', decision: 'maybe', creditScore: 700 }],
    ['a score off the scale', { userId: 'u1', decision: 'approved', creditScore: 900 }],
    ['a missing user id', { decision: 'approved', creditScore: 700 }],
  ])('refuses %s with 400 and records nothing', async (_name, body) => {
    await start(0);
    const response = await request(server()).post('/decisions').send(body).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM decisions')?.n).toBe(0);
  });
});
