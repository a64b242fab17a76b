import { join } from 'node:path';
import { repoRoot, waitFor, type MeshService } from '@mesh/harness';
import type { OnboardingStep } from '@mesh/service-kit/contract';
import { clusterHostStats } from '../support/envoy-admin';
import {
  completeProfile,
  createUser,
  signUp,
  status,
  uploadDocument,
  waitForDecision,
  type Account,
  type StatusView,
} from '../support/onboarding-journey';
import { OnboardingPlatform } from '../support/onboarding-platform';

describe('onboarding resilience: approval instances, the worker and approval-service going away', () => {
  let platform: OnboardingPlatform;
  /** A user whose decision user-service has seen, for the stale-status test. */
  let decided: { account: Account; view: StatusView } | undefined;

  const stepOf = async (account: Account): Promise<OnboardingStep | undefined> => (await status(platform, account)).json.onboarding.status?.step;

  const waitForStep = (account: Account, step: OnboardingStep) =>
    waitFor(`${account.email} at step ${step}`, async () => (await stepOf(account)) === step, { timeoutMs: 60_000, intervalMs: 100 });

  /**
   * The approval instance the worker's sidecar has a request in flight to, found in its
   * /clusters counters (the endpoints are the instances' sidecar ports).
   */
  const approvalServing = () =>
    waitFor(
      'a credit-score request in flight to an approval instance',
      async () => {
        const hosts = await clusterHostStats(platform.one('workflows').sidecar.adminUrl, 'approval');
        for (const [host, stats] of hosts) {
          if ((stats['rq_active'] ?? 0) > 0) return platform.instances('approval').find((i) => host.endsWith(`:${i.ports.sidecar}`));
        }
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );

  /** Up to the approval step: register, create the user, complete the profile, upload. */
  async function startJourney(prefix: string): Promise<Account> {
    const account = await signUp(platform, prefix);
    await createUser(platform, account);
    await completeProfile(platform, account);
    await uploadDocument(platform, account, 'id');
    return account;
  }

  beforeAll(async () => {
    platform = await OnboardingPlatform.start('onboarding-resilience', {
      // The demo mesh's own traffic policy: approval's retries, outlier detection and least-request balancing.
      meshConfig: join(repoRoot(), 'mesh.config.ts'),
      instances: { approval: 2 },
      // A slow bureau keeps each credit-score call in flight long enough to act in the middle of
      // it, yet within the demo policy's 2 s per-try timeout for approval.
      env: { approval: { CREDIT_SCORE_LATENCY_MS: '1000-1500', CREDIT_SCORE_FAILURE_RATE: '0' } },
    });
  });
  afterAll(() => platform?.stop());

  it('kills the approval instance serving the credit score mid-flow; the workflow completes on the other', async () => {
    const account = await startJourney('kill-approval');
    const victim: MeshService = await approvalServing();
    expect(await stepOf(account)).toBe('approval');
    await victim.killApp();
    const killedAt = Date.now();

    const final = await waitForDecision(platform, account);
    console.log(`approval instance ${victim.instanceId} killed mid-request; decision ${Date.now() - killedAt} ms later`);
    expect(final.onboarding.status).toMatchObject({ step: 'completed' });
    expect(final.approval).toMatchObject({ source: 'approval-service', stale: false, decision: { userId: account.userId } });
    const survivor = platform.instances('approval').find((i) => i !== victim);
    expect(survivor?.app.running).toBe(true);
    decided = { account, view: final };
  });

  it('restarts the worker (SIGTERM) while it waits for signals; the signals sent meanwhile are not lost', async () => {
    const worker = platform.one('workflows');
    const account = await signUp(platform, 'worker-restart');
    await createUser(platform, account);
    await waitForStep(account, 'awaiting-profile');

    await worker.stopApp();
    await completeProfile(platform, account);
    await uploadDocument(platform, account, 'id');
    const whileDown = await status(platform, account);
    expect(whileDown.json.onboarding.executionStatus).toBe('RUNNING');

    await worker.restartApp();
    const final = await waitForDecision(platform, account);
    expect(final.onboarding.status).toMatchObject({ step: 'completed' });
  });

  it('kills the worker (SIGKILL) in the middle of credit scoring; a new worker retries the activity and completes', async () => {
    const worker = platform.one('workflows');
    const account = await startJourney('worker-crash');
    await approvalServing();
    await worker.killApp();
    const killedAt = Date.now();
    await worker.restartApp();

    const final = await waitForDecision(platform, account);
    console.log(`worker killed during credit scoring; decision ${Date.now() - killedAt} ms later`);
    expect(final.onboarding.status).toMatchObject({ step: 'completed' });
  });

  it('with approval-service stopped entirely, the status endpoint answers with the last decision, marked stale', async () => {
    if (!decided) throw new Error('needs the decision from the first test');
    const { account, view } = decided;
    for (const instance of platform.instances('approval')) if (instance.app.running) await instance.stopApp();

    const stale = await waitFor(
      'status with the stale decision',
      async () => {
        const result = await status(platform, account);
        return result.status === 200 && result.json.approval.stale ? result.json : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(stale.approval).toMatchObject({ source: 'last-known', stale: true, decision: view.approval.decision });
    if (stale.approval.source === 'last-known') expect(stale.approval.reason.length).toBeGreaterThan(0);
    expect(stale.onboarding.executionStatus).toBe('COMPLETED');
  });
});
