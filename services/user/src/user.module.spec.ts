import { ManualClock, SqliteDatabase, WorkflowEngineError } from '@mesh/service-kit';
import { bearer, createTestApp, FakeOnboardingWorkflows, startHttpStub, testServiceConfig } from '@mesh/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { USER_DEFAULTS, UserModule } from './user.module';

type Approval = (res: ServerResponse) => void;

describe('user-service', () => {
  let app: INestApplication;
  let workflows: FakeOnboardingWorkflows;
  let clock: ManualClock;
  let token: string;
  let db: SqliteDatabase;
  let envoy: Awaited<ReturnType<typeof startHttpStub>>;
  let approval: Approval;
  const server = () => app.getHttpServer();
  const profiles = () => db.all('SELECT * FROM profiles');

  const decision = { userId: 'u-1', decision: 'approved', creditScore: 712, reasons: ['score 712'], decidedAt: '2030-01-01T00:00:00.000Z' };
  const answerDecision: Approval = (res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(decision));
  };
  const answerNone: Approval = (res) => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end('{"code":"NO_DECISION"}');
  };
  const envoyNoHealthyUpstream: Approval = (res) => {
    res.statusCode = 503;
    res.setHeader('content-type', 'text/plain');
    res.end('no healthy upstream');
  };

  beforeEach(async () => {
    approval = answerNone;
    // Stands in for the local Envoy's outbound listener; only approval is routed.
    envoy = await startHttpStub((req, res) => {
      if (req.headers.host === 'approval' && req.url.startsWith('/decisions/')) approval(res);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    workflows = new FakeOnboardingWorkflows();
    clock = new ManualClock();
    const config = testServiceConfig(USER_DEFAULTS, { MESH_OUTBOUND_PORT: String(envoy.port) });
    let kit;
    ({ app, kit } = await createTestApp((k) => UserModule.forRoot(k, workflows, { approvalLookupTimeoutMs: 1000, profileReminderAfterMs: 60_000 }), config, clock));
    token = await bearer(kit, { userId: 'u-1', email: 'ann@example.test' });
    db = app.get(SqliteDatabase);
  });
  afterEach(async () => {
    await app.close();
    await envoy.close();
  });

  const profile = { name: 'Ann Example', address: '1 Main Street, Springfield', contact: 'ann@example.test' };

  it('registers the profile and starts OnboardUser for the token’s user', async () => {
    const created = await request(server()).post('/users').set('Authorization', token).send({ name: 'Ann' }).expect(201);
    expect(created.body).toMatchObject({ userId: 'u-1', email: 'ann@example.test', name: 'Ann', workflowId: 'onboard-u-1' });
    expect(workflows.calls).toEqual([{ kind: 'start', input: { userId: 'u-1', email: 'ann@example.test', profileReminderAfterMs: 60_000 } }]);
    expect((await request(server()).post('/users').set('Authorization', token).send({}).expect(409)).body.code).toBe('PROFILE_EXISTS');
  });

  it('stores nothing when Temporal cannot start the workflow', async () => {
    workflows.failWith = new WorkflowEngineError('start of OnboardUser', new Error('14 UNAVAILABLE'));
    const response = await request(server()).post('/users').set('Authorization', token).send({}).expect(503);
    expect(response.body).toMatchObject({ code: 'WORKFLOW_ENGINE_UNAVAILABLE' });
    expect(profiles()).toEqual([]);
  });

  it('completes the profile by signalling the workflow', async () => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    const completed = await request(server()).put('/users/me/profile').set('Authorization', token).send(profile).expect(200);
    expect(completed.body).toMatchObject({ ...profile, completedAt: expect.any(String) });
    expect(workflows.calls[1]).toEqual({ kind: 'profileCompleted', userId: 'u-1', profile });
  });

  it.each([
    ['a missing field', { name: 'Ann Example', address: '1 Main Street' }],
    ['a too short name', { ...profile, name: 'A' }],
    ['a wrong type', { ...profile, contact: 42 }],
  ])('refuses a profile with %s: 400, no signal, nothing stored', async (_name, body) => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    const response = await request(server()).put('/users/me/profile').set('Authorization', token).send(body).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(workflows.calls.map((c) => c.kind)).toEqual(['start']);
    expect(profiles()).toMatchObject([{ name: null, address: null, contact: null, completed_at: null }]);
  });

  it('refuses malformed JSON and missing or forged tokens', async () => {
    expect((await request(server()).put('/users/me/profile').set('Authorization', token).set('Content-Type', 'application/json').send('{"name":').expect(400)).body.code).toBe('MALFORMED_JSON');
    expect((await request(server()).post('/users').send({}).expect(401)).body.code).toBe('MISSING_TOKEN');
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await request(server()).post('/users').set('Authorization', forged).send({}).expect(401)).body.code).toBe('INVALID_TOKEN');
    expect(workflows.calls).toEqual([]);
    expect(profiles()).toEqual([]);
  });

  it('reports the workflow status and the decision from approval-service, reached through Envoy', async () => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    workflows.description = { executionStatus: 'COMPLETED', status: { step: 'completed', decision: 'approved', remindersSent: 0 } };
    approval = answerDecision;
    const status = await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    expect(status.body).toEqual({
      userId: 'u-1',
      profileCompleted: false,
      onboarding: { workflowId: 'onboard-u-1', executionStatus: 'COMPLETED', status: { step: 'completed', decision: 'approved', remindersSent: 0 } },
      approval: { source: 'approval-service', stale: false, decision, checkedAt: clock.now().toISOString() },
    });
    expect(envoy.requests.at(-1)).toMatchObject({ method: 'GET', url: '/decisions/u-1' });
  });

  it('answers with the last known decision, marked stale with its age, when approval is unreachable', async () => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    approval = answerDecision;
    await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    const confirmedAt = clock.now().toISOString();

    approval = envoyNoHealthyUpstream;
    clock.advance(90_000);
    const stale = await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    expect(stale.body.approval).toEqual({ source: 'last-known', stale: true, decision, fetchedAt: confirmedAt, ageSeconds: 90, reason: expect.stringMatching(/no healthy upstream/) });

    await envoy.close();
    const sidecarGone = await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    expect(sidecarGone.body.approval).toMatchObject({ source: 'last-known', stale: true, decision, reason: expect.stringMatching(/outbound listener/) });
  });

  it('says the decision is unavailable when approval is unreachable and none was ever seen', async () => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    approval = envoyNoHealthyUpstream;
    const status = await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    expect(status.body.approval).toMatchObject({ source: 'unavailable', stale: true, decision: null });
  });

  it('keeps answering the status while Temporal is down', async () => {
    await request(server()).post('/users').set('Authorization', token).send({}).expect(201);
    workflows.failWith = new WorkflowEngineError('describe', new Error('14 UNAVAILABLE'));
    const status = await request(server()).get('/users/me/status').set('Authorization', token).expect(200);
    expect(status.body.onboarding).toMatchObject({ executionStatus: 'UNKNOWN', reason: expect.stringMatching(/UNAVAILABLE/) });
    expect(status.body.approval).toMatchObject({ source: 'approval-service', decision: null });
  });
});
