import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import {
  ProcessSupervisor,
  repoRoot,
  startConsul,
  startTemporal,
  temporalCli,
  waitFor,
  type ConsulHandle,
  type MeshService,
  type TemporalHandle,
} from '@mesh/harness';
import {
  QUERY,
  SIGNAL,
  TASK_QUEUE,
  WORKFLOW,
  onboardingWorkflowId,
  type ApprovalResult,
  type DocumentUploadedSignal,
  type OnboardingStatus,
  type OnboardUserInput,
  type ProfileCompletedSignal,
} from '@mesh/service-kit/contract';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { startStub, startWorker, viaSidecar, type MeshContext } from '../support/mesh-apps';
import { suiteRunDir } from '../support/run-dir';
import { temporalClient, type TemporalTestClient } from '../support/temporal-client';
import { metric } from '../support/xds-admin';

interface StubCall {
  method: string;
  path: string;
  host: string;
  body: { userId?: string; template?: string } | undefined;
  idempotencyKey?: string;
}

const PROFILE: ProfileCompletedSignal = { name: 'Ada Lovelace', address: '12 St James Square, London', contact: '+44 20 0000 0000' };

/**
 * The worker against a real Temporal dev server, Consul, control plane and Envoy sidecars.
 * approval- and notification-service are played by a fixture speaking the contract's HTTP
 * shapes, so this suite pins the workflow logic independently of the real services.
 */
describe('onboarding workflows on the worker, through its sidecar', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('onboarding-workflow'));
  let consul: ConsulHandle;
  let temporal: TemporalHandle;
  let controlPlane: ControlPlaneHandle;
  let approval: MeshService;
  let notification: MeshService;
  let worker: MeshService;
  let temporalTest: TemporalTestClient;

  const calls = async (stub: MeshService): Promise<StubCall[]> => (await fetch(`${stub.appUrl}/admin/calls`)).json() as Promise<StubCall[]>;
  const callsFor = async (stub: MeshService, userId: string) => (await calls(stub)).filter((c) => c.body?.userId === userId);
  const failNext = (stub: MeshService, path: string, status: number, times: number, userId: string) =>
    fetch(`${stub.appUrl}/admin/fail`, { method: 'POST', body: JSON.stringify({ path, status, times, userId }) });

  function start(userId: string, profileReminderAfterMs?: number): Promise<WorkflowHandle> {
    const input: OnboardUserInput = { userId, email: `${userId}@example.test`, ...(profileReminderAfterMs ? { profileReminderAfterMs } : {}) };
    return temporalTest.client.workflow.start(WORKFLOW.onboardUser, { taskQueue: TASK_QUEUE, workflowId: onboardingWorkflowId(userId), args: [input] });
  }

  const status = (handle: WorkflowHandle) => handle.query<OnboardingStatus>(QUERY.status);

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    temporal = await startTemporal(supervisor, { headless: true });
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    const context: MeshContext = { supervisor, consulAddr: consul.httpAddr, xds: { address: '127.0.0.1', port: controlPlane.xdsPort } };
    approval = await startStub(context, 'approval', 'approval-stub-1');
    notification = await startStub(context, 'notification', 'notification-stub-1');
    worker = await startWorker(context, temporal.address);
    // The worker's sidecar routes to both services before the first workflow starts.
    for (const service of ['approval', 'notification']) {
      await waitFor(`worker sidecar -> ${service}`, async () => (await viaSidecar(worker, service, 'GET', '/health')).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    }
    temporalTest = await temporalClient(temporal.address);
  });

  afterAll(async () => {
    await temporalTest?.close();
    await supervisor.stopAll();
  });

  it('onboards a user: welcome, a reminder after the timeout, profile, document, approval child, result notice', async () => {
    const userId = 'wf-user-9'; // the fixture scores ...9 at 860: approved
    await failNext(approval, '/credit-scores', 503, 2, userId);
    const handle = await start(userId, 1000);

    await waitFor('a profile reminder', async () => (await status(handle)).remindersSent >= 1, { timeoutMs: 20_000, intervalMs: 200 });
    expect((await status(handle)).step).toBe('awaiting-profile');
    await handle.signal(SIGNAL.profileCompleted, PROFILE);
    await waitFor('awaiting the document', async () => (await status(handle)).step === 'awaiting-document', { timeoutMs: 20_000, intervalMs: 100 });
    const document: DocumentUploadedSignal = { documentId: 'doc-1', kind: 'id' };
    await handle.signal(SIGNAL.documentUploaded, document);

    const result = (await handle.result()) as ApprovalResult;
    expect(result).toMatchObject({ userId, decision: 'approved', creditScore: 860 });
    expect(await status(handle)).toMatchObject({ step: 'completed', decision: 'approved' });

    // Every call went through the sidecar (Host names the service) and reached the right one.
    const notices = await callsFor(notification, userId);
    expect(notices.map((c) => c.body?.template)).toEqual(expect.arrayContaining(['welcome', 'profile-reminder', 'onboarding-result']));
    expect(notices.every((c) => c.host === 'notification')).toBe(true);
    const approvalCalls = await callsFor(approval, userId);
    expect(approvalCalls.map((c) => c.path)).toEqual(['/eligibility', '/credit-scores', '/credit-scores', '/credit-scores', '/decisions']);
    // The retried credit-score attempts carry one idempotency key.
    const keys = new Set(approvalCalls.filter((c) => c.path === '/credit-scores').map((c) => c.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^approval-wf-user-9\//);

    // The CLI sees the parent completed and its child.
    const described = JSON.parse(await temporalCli(temporal.address, ['workflow', 'describe', '--workflow-id', onboardingWorkflowId(userId), '--output', 'json'])) as {
      workflowExecutionInfo: { status: string; type: { name: string } };
      pendingChildren?: unknown[];
    };
    expect(described.workflowExecutionInfo).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED', type: { name: 'OnboardUser' } });
    const child = JSON.parse(await temporalCli(temporal.address, ['workflow', 'describe', '--workflow-id', `approval-${userId}`, '--output', 'json'])) as {
      workflowExecutionInfo: { status: string; type: { name: string }; parentExecution?: { workflowId: string } };
    };
    expect(child.workflowExecutionInfo).toMatchObject({
      status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED',
      type: { name: 'ApprovalWorkflow' },
      parentExecution: { workflowId: onboardingWorkflowId(userId) },
    });

    // Metrics: outcomes, step times and retried failures, all from the worker's /metrics.
    await waitFor(
      'both runs counted as completed',
      async () =>
        (await metric(worker.appUrl, 'mesh_workflow_completed_total', { workflow: 'OnboardUser' })) >= 1 &&
        (await metric(worker.appUrl, 'mesh_workflow_completed_total', { workflow: 'ApprovalWorkflow' })) >= 1,
      { timeoutMs: 10_000 },
    );
    expect(await metric(worker.appUrl, 'mesh_workflow_activity_failures_total', { activity: 'scoreCredit', type: 'ServiceUnavailable' })).toBe(2);
    for (const step of ['welcome', 'awaiting-profile', 'awaiting-document', 'approval', 'notifying']) {
      expect(await metric(worker.appUrl, 'mesh_workflow_step_duration_seconds_count', { workflow: 'OnboardUser', step })).toBeGreaterThanOrEqual(1);
    }
    // It waited at least the reminder timeout for the profile.
    expect(await metric(worker.appUrl, 'mesh_workflow_step_duration_seconds_sum', { workflow: 'OnboardUser', step: 'awaiting-profile' })).toBeGreaterThanOrEqual(1);
  });

  it("replays the histories it wrote with today's workflow code (no nondeterminism)", async () => {
    const workflows = join(repoRoot(), 'services/workflows/dist/workflows');
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(workflows, 'index.js'),
      workflowInterceptorModules: [join(workflows, 'outcome.interceptor.js')],
      logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    for (const workflowId of [onboardingWorkflowId('wf-user-9'), 'approval-wf-user-9']) {
      const history = await temporalTest.client.workflow.getHandle(workflowId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, workflowId)).resolves.toBeUndefined();
    }
  });

  it('rejects an applicant without an id document, without asking for a credit score', async () => {
    const userId = 'wf-user-2';
    const handle = await start(userId);
    await handle.signal(SIGNAL.documentUploaded, { documentId: 'doc-2', kind: 'income' } satisfies DocumentUploadedSignal);
    await handle.signal(SIGNAL.profileCompleted, PROFILE);
    const result = (await handle.result()) as ApprovalResult;
    expect(result).toMatchObject({ decision: 'rejected', creditScore: 0, reasons: ['an id document is required'] });
    expect((await callsFor(approval, userId)).map((c) => c.path)).toEqual(['/eligibility', '/decisions']);
    expect((await status(handle)).remindersSent).toBe(0);
  });

  it('fails both workflows, without retrying, when approval-service refuses the decision with a 4xx', async () => {
    const userId = 'wf-user-7';
    await failNext(approval, '/decisions', 422, 1, userId);
    const failedBefore = await metric(worker.appUrl, 'mesh_workflow_failed_total', { workflow: 'OnboardUser' });
    const handle = await start(userId);
    await handle.signal(SIGNAL.profileCompleted, PROFILE);
    await handle.signal(SIGNAL.documentUploaded, { documentId: 'doc-3', kind: 'id' } satisfies DocumentUploadedSignal);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect((await callsFor(approval, userId)).filter((c) => c.path === '/decisions')).toHaveLength(1);
    await waitFor(
      'the failure counted',
      async () => (await metric(worker.appUrl, 'mesh_workflow_failed_total', { workflow: 'OnboardUser' })) === failedBefore + 1,
      { timeoutMs: 10_000 },
    );
    expect(await metric(worker.appUrl, 'mesh_workflow_activity_failures_total', { activity: 'recordDecision', type: 'ServiceRejected' })).toBe(1);
  });

  it('on SIGTERM leaves Consul, then stops the worker and awaits its run before exiting', async () => {
    const exit = await worker.stopApp();
    // Nest's shutdown hooks re-raise the signal once the app has closed.
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    const services = (await (await fetch(`${consul.httpAddr}/v1/agent/services`)).json()) as Record<string, unknown>;
    expect(Object.keys(services)).not.toContain('workflows-1');
    const log = readFileSync(worker.app.logFile, 'utf8');
    if (!log.includes('the Temporal worker has stopped')) console.log(`worker exit ${JSON.stringify(exit)}; last lines of its log:\n${log.split('\n').slice(-8).join('\n')}`);
    expect(log.indexOf('deregistered')).toBeGreaterThan(-1);
    expect(log.indexOf('the Temporal worker has stopped')).toBeGreaterThan(log.lastIndexOf('deregistered'));
  });
});
