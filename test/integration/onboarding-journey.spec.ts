import { createHmac } from 'node:crypto';
import { DEMO_PUBLIC_API, temporalCli, waitFor } from '@mesh/harness';
import { onboardingWorkflowId } from '@mesh/service-kit/contract';
import {
  completeProfile,
  createUser,
  notifications,
  PDF,
  PROFILE,
  signUp,
  status,
  upload,
  uploadDocument,
  uniqueEmail,
  waitForDecision,
  type Account,
  type ErrorBody,
} from '../support/onboarding-journey';
import { status as grpcStatus } from '@grpc/grpc-js';
import { OnboardingPlatform } from '../support/onboarding-platform';
import { rawAds } from '../support/raw-ads';
import { proxies } from '../support/xds-admin';
import { probeInternalPaths, probePublicApi } from '../support/public-api';

const MAX_UPLOAD_BYTES = 64 * 1024;

interface HistoryEvent {
  eventType: string;
  childWorkflowExecutionCompletedEventAttributes?: { workflowType: { name: string }; workflowExecution: { workflowId: string } };
}

/** A token with a valid shape and claims, signed with a key the mesh does not use. */
function forgedToken(userId: string): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, userId, email: 'x@example.test', sessionId: 's', iss: 'mesh-auth', aud: 'mesh-demo', iat: now, exp: now + 600 })}`;
  return `${unsigned}.${createHmac('sha256', 'not-the-mesh-secret-not-the-mesh-secret').update(unsigned).digest('base64url')}`;
}

/** The same token with its payload swapped for another user's: the signature no longer matches. */
function tamperedToken(token: string, userId: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, userId, sub: userId })).toString('base64url')}.${signature}`;
}

describe('onboarding end to end, through the gateway', () => {
  let platform: OnboardingPlatform;

  beforeAll(async () => {
    platform = await OnboardingPlatform.start('onboarding-journey', {
      env: {
        approval: { CREDIT_SCORE_FAILURE_RATE: '0.2' },
        document: { DOCUMENT_MAX_BYTES: String(MAX_UPLOAD_BYTES) },
      },
    });
  });
  afterAll(() => platform?.stop());

  it('runs on Consul with ACLs on: every sidecar and the gateway are served over their own token, and a client without one gets nothing', async () => {
    const anonymous = await fetch(`${platform.consul.httpAddr}/v1/catalog/services`);
    expect(await anonymous.json()).toEqual({});
    const served = await proxies(platform.controlPlane.adminUrl);
    expect(served.map((p) => p.service).sort()).toEqual([...new Set([...platform.apps.keys(), 'gateway'])].sort());
    for (const proxy of served) expect([proxy.nodeId, Object.values(proxy.types).every((t) => t.status === 'SYNCED')]).toEqual([proxy.nodeId, true]);
    const stranger = await rawAds(`127.0.0.1:${platform.controlPlane.xdsPort}`, [
      { node: { id: 'stranger', cluster: 'approval' }, type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', resource_names: ['identity', 'roots'] },
    ]);
    expect({ code: stranger.code, responses: stranger.responses.length }).toEqual({ code: grpcStatus.UNAUTHENTICATED, responses: 0 });
  });

  it('publishes the public API on the services\' own paths, and leaves internal endpoints unrouted', async () => {
    const published = await probePublicApi(platform.gateway.url);
    expect(published.map((p) => `${p.method} ${p.path}`)).toEqual(DEMO_PUBLIC_API.map((e) => `${e.method} ${e.path}`));
    // The service itself answered (400/401 without a body or token), on exactly the public path.
    expect(published.filter((p) => p.servedPath !== p.path || ![400, 401].includes(p.status))).toEqual([]);
    const internal = await probeInternalPaths(platform.gateway.url);
    expect(internal.filter((p) => p.status !== 404 || p.servedPath !== undefined)).toEqual([]);
  });

  it('register, log in, create the user, complete the profile, upload a document, get the decision and its notification', async () => {
    const startedAt = Date.now();
    const account = await signUp(platform, 'journey');
    await createUser(platform, account);
    await completeProfile(platform, account);
    const document = await uploadDocument(platform, account, 'id');
    const final = await waitForDecision(platform, account);
    const journeyMs = Date.now() - startedAt;
    console.log(`journey through the gateway, register to decision: ${journeyMs} ms`);

    expect(final.profileCompleted).toBe(true);
    expect(final.onboarding.status).toMatchObject({ step: 'completed', remindersSent: 0 });
    expect(final.approval.source).toBe('approval-service');
    expect(final.approval.stale).toBe(false);
    const decision = final.approval.decision;
    expect(decision?.userId).toBe(account.userId);
    expect(['approved', 'rejected']).toContain(decision?.decision);
    expect(final.onboarding.status?.decision).toBe(decision?.decision);

    const documentView = await platform.callJson<{ id: string; status: string }>('GET', `/documents/${document.id}`, { token: account.token });
    expect(documentView.json).toMatchObject({ id: document.id, status: 'accepted' });

    const delivered = await waitFor(
      'the onboarding-result notification delivered',
      async () => {
        const records = await notifications(platform, account);
        return records.find((n) => n.template === 'onboarding-result' && n.status === 'delivered') && records;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(delivered.map((n) => n.template)).toEqual(expect.arrayContaining(['welcome', 'onboarding-result']));
    expect(delivered.find((n) => n.template === 'onboarding-result')?.data).toMatchObject({ decision: decision?.decision });

    // The real temporal CLI against the dev server: the parent completed, its child too.
    const workflowId = onboardingWorkflowId(account.userId);
    const described = JSON.parse(await temporalCli(platform.temporal.address, ['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json'])) as {
      workflowExecutionInfo: { status: string; type: { name: string } };
    };
    expect(described.workflowExecutionInfo).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED', type: { name: 'OnboardUser' } });
    const history = JSON.parse(await temporalCli(platform.temporal.address, ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json'])) as {
      events: HistoryEvent[];
    };
    const child = history.events.find((e) => e.eventType === 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED');
    expect(child?.childWorkflowExecutionCompletedEventAttributes?.workflowType.name).toBe('ApprovalWorkflow');
    expect(history.events.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const childId = child?.childWorkflowExecutionCompletedEventAttributes?.workflowExecution.workflowId ?? '';
    const childDescribed = JSON.parse(await temporalCli(platform.temporal.address, ['workflow', 'describe', '--workflow-id', childId, '--output', 'json'])) as {
      workflowExecutionInfo: { status: string; type: { name: string }; parentExecution?: { workflowId: string } };
    };
    expect(childDescribed.workflowExecutionInfo).toMatchObject({
      status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED',
      type: { name: 'ApprovalWorkflow' },
      parentExecution: { workflowId },
    });
  });

  describe('bad input gets a 4xx with an error body and stores nothing', () => {
    let account: Account;

    const expectError = (result: { status: number; body: string }, status: number, code?: string): ErrorBody => {
      expect({ status: result.status, body: result.body.slice(0, 300) }).toMatchObject({ status });
      const body = JSON.parse(result.body) as ErrorBody;
      expect(body).toMatchObject({ statusCode: status, ...(code ? { code } : {}) });
      expect(body.message.length).toBeGreaterThan(10);
      return body;
    };

    beforeAll(async () => {
      account = await signUp(platform, 'bad-input');
    });

    it('malformed JSON', async () => {
      const email = uniqueEmail('malformed');
      const result = await platform.call('POST', '/auth/register', { body: `{"email": "${email}", "password": `, headers: { 'content-type': 'application/json' } });
      expectError(result, 400, 'MALFORMED_JSON');
      const onUser = await platform.call('POST', '/users', { body: '{"name": ', headers: { 'content-type': 'application/json' }, token: account.token });
      expectError(onUser, 400, 'MALFORMED_JSON');
      // Nothing stored: no profile, no workflow, and the address can still register.
      expectError(await platform.call('GET', '/users/me', { token: account.token }), 404);
      await expect(temporalCli(platform.temporal.address, ['workflow', 'describe', '--workflow-id', onboardingWorkflowId(account.userId)])).rejects.toThrow(/not found/i);
      expect((await platform.call('POST', '/auth/register', { json: { email, password: 'a long enough password' } })).status).toBe(201);
    });

    it('missing fields and fields of the wrong type, naming each field', async () => {
      const email = uniqueEmail('missing');
      const missing = expectError(await platform.call('POST', '/auth/register', { json: { email } }), 400);
      expect(missing.details?.map((d) => d.path)).toContain('password');
      const wrongType = expectError(await platform.call('POST', '/auth/register', { json: { email: 42, password: ['x'] } }), 400);
      expect([...new Set(wrongType.details?.map((d) => d.path))].sort()).toEqual(['email', 'password']);
      expect((await platform.call('POST', '/auth/register', { json: { email, password: 'a long enough password' } })).status).toBe(201);

      await createUser(platform, account);
      await waitFor('the workflow waiting for the profile', async () => (await status(platform, account)).json.onboarding.status?.step === 'awaiting-profile', {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      const profile = expectError(await platform.call('PUT', '/users/me/profile', { json: { name: PROFILE.name }, token: account.token }), 400);
      expect([...new Set(profile.details?.map((d) => d.path))].sort()).toEqual(['address', 'contact']);
      expectError(await platform.call('PUT', '/users/me/profile', { json: { ...PROFILE, name: 42 }, token: account.token }), 400);
      const after = await status(platform, account);
      expect(after.json.profileCompleted).toBe(false);
      // No profileCompleted signal reached the workflow.
      const history = JSON.parse(await temporalCli(platform.temporal.address, ['workflow', 'show', '--workflow-id', onboardingWorkflowId(account.userId), '--output', 'json'])) as {
        events: HistoryEvent[];
      };
      expect(history.events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toEqual([]);
    });

    it('an oversized upload, a file of the wrong type, a missing or unknown kind', async () => {
      const big = Buffer.concat([PDF, Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0x20)]);
      expectError(await upload(platform, account, { kind: 'id' }, [{ field: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: big }]), 413, 'FILE_TOO_LARGE');
      const text = Buffer.from('this is not a PDF, whatever its name says\n');
      expect((await upload(platform, account, { kind: 'id' }, [{ field: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: text }])).status).toBe(415);
      expectError(await upload(platform, account, {}, [{ field: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: PDF }]), 400);
      expectError(await upload(platform, account, { kind: 'passport' }, [{ field: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: PDF }]), 400);
      expectError(await upload(platform, account, { kind: 'id' }, []), 400);

      const listed = await platform.callJson<unknown[]>('GET', '/documents', { token: account.token });
      expect(listed.status).toBe(200);
      expect(listed.json).toEqual([]);
    });

    it('a missing, forged or tampered JWT', async () => {
      const other = await signUp(platform, 'victim');
      expectError(await platform.call('POST', '/users', { json: {} }), 401, 'MISSING_TOKEN');
      expectError(await platform.call('POST', '/users', { json: {}, token: forgedToken(other.userId) }), 401);
      expectError(await platform.call('POST', '/users', { json: {}, token: tamperedToken(account.token, other.userId) }), 401);
      expectError(await upload(platform, undefined, { kind: 'id' }, [{ field: 'file', filename: 'id.pdf', contentType: 'application/pdf', content: PDF }]), 401, 'MISSING_TOKEN');
      expectError(await platform.call('GET', '/users/me/status', { token: 'not-a-jwt' }), 401);
      // The victim has no profile and no workflow.
      expectError(await platform.call('GET', '/users/me', { token: other.token }), 404);
      await expect(temporalCli(platform.temporal.address, ['workflow', 'describe', '--workflow-id', onboardingWorkflowId(other.userId)])).rejects.toThrow(/not found/i);
    });
  });
});
