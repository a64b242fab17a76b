import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, waitFor } from '@mesh/harness';
import { onboardingWorkflowId } from '@mesh/service-kit/contract';
import { ConsoleBrowser } from '../support/console-browser';
import { MeshConfigFile } from '../support/mesh-config-file';
import { completeProfile, createUser, signUp, uploadDocument, waitForDecision, type Account } from '../support/onboarding-journey';
import { OnboardingPlatform } from '../support/onboarding-platform';

const run = promisify(execFile);
const MESH_CLI = join(repoRoot(), 'xds-server/dist/cli/main.js');
const SERVICES = ['auth', 'user', 'document', 'approval', 'notification'];

async function meshDiff(adminUrl: string, proxyId: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MESH_CLI, 'diff', proxyId, `--admin=${adminUrl}`], { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * The console at /ui/, driven in Debian's headless Chromium against the real local mesh
 * after one onboarding journey: Consul, Temporal, Jaeger, Prometheus, the control plane,
 * every service beside its sidecar (document twice) and the gateway.
 */
describe('the mesh console in a real browser', () => {
  let platform: OnboardingPlatform;
  let browser: ConsoleBrowser;
  let account: Account;
  let consoleUrl: string;
  const config = new MeshConfigFile('console');
  const source = readFileSync(join(repoRoot(), 'mesh.config.ts'), 'utf8');

  const page = () => browser.page;
  const openView = async (name: string) => {
    await page().getByRole('tab', { name }).click();
    await page().locator(`[role=tabpanel][data-view="${name.toLowerCase()}"]`).waitFor();
  };

  beforeAll(async () => {
    config.write(source);
    platform = await OnboardingPlatform.start('console', { observability: true, console: true, meshConfig: config.path, instances: { document: 2 } });
    account = await signUp(platform, 'console');
    await createUser(platform, account);
    await completeProfile(platform, account);
    await uploadDocument(platform, account, 'id');
    await waitForDecision(platform, account);
    consoleUrl = `${platform.controlPlane.adminUrl}/ui/`;
    browser = await ConsoleBrowser.launch(platform.supervisor.runDir);
    await page().goto(consoleUrl);
    await page().locator('[data-testid=live].on').waitFor({ timeout: 15_000 });
    // Set once; a reload would lose it.
    await page().evaluate('window.loadedOnce = true');
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('shows the five services, the worker and the gateway, grouped by DSL node, with live figures from Prometheus', async () => {
    await openView('Topology');
    for (const name of [...SERVICES, 'workflows', 'gateway']) await page().locator(`g[data-service="${name}"]`).waitFor({ timeout: 15_000 });
    expect(await page().locator('g[data-service="workflows"] .service-name').textContent()).toContain('(worker)');
    expect(await page().locator('g[data-service="gateway"] .service-name').textContent()).toContain('(gateway)');
    // Prometheus needs two scrapes (5 s apart) inside the rate window before a rate shows.
    await platform.call('GET', '/notifications', { token: account.token });
    const figure = await waitFor(
      'a request rate for user in the topology',
      async () => {
        await platform.call('GET', '/users/me/status', { token: account.token });
        const text = (await page().locator('[data-figure="user"]').textContent()) ?? '';
        return /[1-9]\d*\.\d+ rps|0\.[0-9]*[1-9][0-9]* rps/.test(text) && text;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    expect(figure).toMatch(/rps · .* 5xx · p99 /);
    // Edges: the gateway's routes and the DSL's upstreams, each with its figures at the caller.
    for (const edge of ['gateway>user', 'gateway>auth', 'user>approval', 'workflows>notification']) await page().locator(`g[data-edge="${edge}"]`).waitFor({ state: 'attached' });
    // The caller's figures come from the gateway's Envoy, a scrape target of its own that may lag the user's.
    const edgeTitle = await waitFor(
      'a request rate on the gateway → user edge',
      async () => {
        await platform.call('GET', '/users/me/status', { token: account.token });
        const title = (await page().locator('g[data-edge="gateway>user"] title').textContent()) ?? '';
        return /^gateway → user: declared; [\d.]+ rps/.test(title) && title;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(edgeTitle).toMatch(/^gateway → user: declared; [\d.]+ rps/);
    expect(await page().locator('tr[data-instance="document-2"]').getAttribute('data-health')).toBe('passing');
    await browser.screenshot('topology');
  });

  it('turns a stopped instance unhealthy without a reload, within 2 s of Consul', async () => {
    await openView('Topology');
    const stopped = platform.instances('document')[1]!;
    const killedAt = Date.now();
    await stopped.killApp();
    await waitFor(
      'Consul to report document-2 critical',
      async () => {
        const checks = (await (await fetch(`${platform.consul.httpAddr}/v1/health/checks/document`, { headers: { 'x-consul-token': platform.consul.managementToken ?? '' } })).json()) as Array<{ ServiceID: string; Status: string }>;
        return checks.some((c) => c.ServiceID === stopped.instanceId && c.Status === 'critical');
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const consulAt = Date.now();
    await page().locator(`tr[data-instance="${stopped.instanceId}"][data-health="critical"]`).waitFor({ timeout: 2000 });
    console.log(`document-2 killed → critical in Consul ${consulAt - killedAt} ms → critical in the page ${Date.now() - consulAt} ms later`);
    expect(await page().evaluate('window.loadedOnce')).toBe(true);
    expect(await page().locator('g[data-service="document"]').getAttribute('data-health')).toBe('warning');
  });

  it('lists every proxy, each sidecar SYNCED on every type', async () => {
    await openView('Proxies');
    const expected = ['gateway-1', ...[...platform.apps.values()].flat().map((s) => s.instanceId)].sort();
    await waitFor(
      'every proxy SYNCED on every type',
      async () => {
        const rows = await page().locator('tr[data-proxy]').evaluateAll((trs) =>
          trs.map((tr) => ({ id: tr.getAttribute('data-proxy'), statuses: [...tr.querySelectorAll('td[data-type]')].map((td) => td.getAttribute('data-status')) })),
        );
        const ids = rows.map((r) => r.id).sort();
        const unsynced = rows.filter((r) => r.statuses.some((s) => s !== 'SYNCED' && s !== 'none'));
        return JSON.stringify(ids) === JSON.stringify(expected) && unsynced.length === 0 && rows;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(await page().locator('[data-testid=no-nacks]').isVisible()).toBe(true);
    await browser.screenshot('proxies');
  });

  it('`mesh diff` and the diff view say a sidecar is in sync', async () => {
    const cli = await meshDiff(platform.controlPlane.adminUrl, 'user-1');
    expect(cli).toEqual({ code: 0, output: expect.stringMatching(/^user-1: in sync \(\d+ resources\)/) });
    await openView('Diff');
    await page().locator('[data-testid=diff-proxy]').selectOption('user-1');
    await page().getByRole('button', { name: 'Compare' }).click();
    await page().locator('[data-testid=diff-result][data-in-sync="true"]').waitFor({ timeout: 15_000 });
    await browser.screenshot('diff');
  });

  it('shows an injected NACK with Envoy\'s error and its source; `mesh diff` then names the resource and field', async () => {
    // notification's endpoints replaced by one with weight 0, which every Envoy rejects.
    const hook = `${platform.controlPlane.adminUrl}/test-hooks/invalid-service/notification`;
    expect((await fetch(hook, { method: 'POST' })).status).toBe(204);
    try {
      await openView('Proxies');
      const nack = page().locator('li[data-nack="user-1/EDS"]');
      await nack.waitFor({ timeout: 20_000 });
      expect(await nack.locator('.envoy-error').textContent()).toMatch(/weight|load_balancing_weight/i);
      const source = nack.locator('.sources > div', { has: page().locator('dt', { hasText: /^notification$/ }) });
      expect(await source.locator('[data-source=other]').textContent()).toContain('injected through /test-hooks');
      expect(await source.locator('[data-source=dsl]').textContent()).toMatch(/mesh\.config\.ts:\d+:\d+ services\.notification$/);
      await browser.screenshot('proxies-nack');

      const cli = await meshDiff(platform.controlPlane.adminUrl, 'user-1');
      expect(cli.code).toBe(1);
      expect(cli.output).toContain('user-1: differs');
      expect(cli.output).toMatch(/EDS notification endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.port_value: intended 9, held \d+/);
    } finally {
      await fetch(hook, { method: 'DELETE' });
    }
    await waitFor('user-1 back in sync', async () => (await meshDiff(platform.controlPlane.adminUrl, 'user-1')).code === 0, { timeoutMs: 20_000, intervalMs: 500 });
  });

  it('shows a broken edit of mesh.config.ts with its file:line:col, and what is still served', async () => {
    await openView('Config');
    // The line ends in "loaded Ns ago", which may tick over between the two reads.
    const withoutAge = (text: string | null) => (text ?? '').replace(/loaded \d+\s*\w+ ago/, 'loaded … ago');
    const served = withoutAge(await page().locator('[data-testid=config-served]').textContent());
    const broken = source.replace("upstreams: ['notification'],", "upstreams: ['notifications'],");
    expect(broken).not.toBe(source);
    const line = broken.split('\n').findIndex((l) => l.includes("'notifications'")) + 1;
    config.write(broken);
    try {
      const issue = page().locator('[data-testid=config-rejected] li').first();
      await issue.waitFor({ timeout: 20_000 });
      expect(await issue.getAttribute('data-issue-location')).toMatch(new RegExp(`mesh\\.config\\.ts:${line}:\\d+$`));
      expect(await issue.textContent()).toContain('"notifications"');
      expect(withoutAge(await page().locator('[data-testid=config-served]').textContent())).toBe(served);
      expect(await page().locator('[data-testid=ca]').textContent()).toMatch(/UP trust domain \S+\.consul/);
      await browser.screenshot('config');
    } finally {
      config.write(source);
    }
    await page().locator('[data-testid=config-rejected]').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('names the Consul config entry behind a policy part, and mesh.config.ts for the rest', async () => {
    await openView('Config');
    const headers = { 'x-consul-token': platform.consul.managementToken ?? '' };
    const entry = { Kind: 'service-resolver', Name: 'document', ConnectTimeout: '2s' };
    const written = await fetch(`${platform.consul.httpAddr}/v1/config`, { method: 'PUT', headers, body: JSON.stringify(entry) });
    expect(written.status).toBe(200);
    try {
      const row = page().locator('[data-testid=policy-sources] tr[data-service=document]', { hasText: 'service-resolver/document' });
      await row.waitFor({ timeout: 20_000 });
      expect(await row.textContent()).toBe('documentconnect timeout from service-resolver/document; the rest from mesh.config.ts');
      expect(await page().locator('[data-testid=policy-sources] tr[data-service=user]').textContent()).toBe('userall from mesh.config.ts');
      // mesh.config.ts's defaults set a connect timeout too: the overlap is listed, the entry wins.
      expect(await page().locator('[data-testid=policy-problems]').textContent()).toContain('document: service-resolver/document and mesh.config.ts');
    } finally {
      await fetch(`${platform.consul.httpAddr}/v1/config/service-resolver/document`, { method: 'DELETE', headers });
    }
    await page().locator('[data-testid=policy-sources] tr[data-service=document]', { hasText: 'all from mesh.config.ts' }).waitFor({ timeout: 20_000 });
  });

  it('opens the journey\'s trace as a waterfall: the gateway span at the root, spans from at least five services', async () => {
    await openView('Traces');
    await page().locator('[data-testid=trace-service] option', { hasText: /^user$/ }).waitFor({ state: 'attached', timeout: 15_000 });
    await page().locator('[data-testid=trace-service]').selectOption('user');
    await page().getByLabel('Operation').locator('option', { hasText: /^StartWorkflow:OnboardUser$/ }).waitFor({ state: 'attached', timeout: 15_000 });
    await page().getByLabel('Operation').selectOption('StartWorkflow:OnboardUser');
    await page().getByLabel('Tags').fill(`temporalWorkflowId=${onboardingWorkflowId(account.userId)}`);
    await page().getByRole('button', { name: 'Search' }).click();
    const result = page().locator('[data-testid=trace-results] [data-trace-row] button').first();
    await result.waitFor({ timeout: 15_000 });
    await result.click();
    const waterfall = page().locator('[data-testid=waterfall]');
    await waterfall.waitFor({ timeout: 15_000 });
    const spans = await waterfall.locator('li[data-span]').evaluateAll((lis) => lis.map((li) => ({ depth: Number(li.getAttribute('data-depth')), service: li.getAttribute('data-service') })));
    expect(spans[0]).toEqual({ depth: 0, service: 'gateway' });
    expect(spans.filter((s) => s.depth === 0)).toHaveLength(1);
    const services = new Set(spans.map((s) => s.service));
    expect(services.size).toBeGreaterThanOrEqual(5);
    expect([...services]).toEqual(expect.arrayContaining(['gateway', 'user-sidecar', 'user', 'workflows', 'notification']));
    // A span opens with its attributes.
    await waterfall.locator('li[data-span] .span-row').nth(1).click();
    expect(await waterfall.locator('.span-detail').first().textContent()).toMatch(/\w+/);
    await browser.screenshot('traces');
  });

  it('lists the journey\'s OnboardUser as completed, with its steps', async () => {
    await openView('Workflows');
    const workflowId = onboardingWorkflowId(account.userId);
    const row = page().locator(`tr[data-workflow="${workflowId}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute('data-type')).toBe('OnboardUser');
    expect(await row.getAttribute('data-status')).toBe('COMPLETED');
    await row.getByRole('button', { name: workflowId }).click();
    const steps = await page().locator(`[data-steps="${workflowId}"] li`).evaluateAll((lis) => lis.map((li) => ({ name: li.getAttribute('data-step'), status: li.getAttribute('data-step-status') })));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.filter((s) => s.status === 'running')).toEqual([]);
    expect(steps.map((s) => s.name)).toEqual(expect.arrayContaining(['ApprovalWorkflow']));
    await browser.screenshot('workflows');
  });

  it('charts the dashboards\' panels from Prometheus', async () => {
    await openView('Metrics');
    await page().locator('figure.chart').first().waitFor({ timeout: 20_000 });
    expect(await page().locator('figure.chart').count()).toBe(8);
    await page().locator('figure.chart[data-panel="Requests per second by service"] canvas').waitFor({ timeout: 30_000 });
    await browser.screenshot('metrics');
  });

  it('works by keyboard: arrows move between views, Enter selects a service', async () => {
    await openView('Topology');
    await page().getByRole('tab', { name: 'Topology' }).focus();
    const visited: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page().keyboard.press('ArrowRight');
      visited.push((await page().locator('[role=tabpanel]').getAttribute('data-view')) ?? '');
      expect(await page().evaluate('document.activeElement?.getAttribute("role")')).toBe('tab');
    }
    expect(visited).toEqual(['proxies', 'config', 'diff', 'traces', 'workflows', 'metrics']);
    await page().keyboard.press('Home');
    expect(await page().locator('[role=tabpanel]').getAttribute('data-view')).toBe('topology');
    // Tab reaches the graph's services; Enter selects one.
    let focused: string | null = null;
    for (let i = 0; i < 12 && !focused; i++) {
      await page().keyboard.press('Tab');
      focused = (await page().evaluate('document.activeElement?.getAttribute("data-service") ?? null')) as string | null;
    }
    expect(focused).not.toBeNull();
    await page().keyboard.press('Enter');
    expect(await page().locator(`g[data-service="${focused}"]`).getAttribute('class')).toContain('selected');
    // The diff view's form works from the keyboard too.
    await openView('Diff');
    await page().locator('[data-testid=diff-proxy]').focus();
    await page().keyboard.press('Tab');
    await page().keyboard.press('Enter');
    await page().locator('[data-testid=diff-result]').waitFor({ timeout: 15_000 });
  });

  it('says plainly when Jaeger stops answering, and the other views keep working', async () => {
    await platform.jaeger!.process.stop(2000);
    await openView('Traces');
    await page().locator('[data-testid=unavailable]').waitFor({ timeout: 30_000 });
    expect(await page().locator('[data-testid=unavailable]').textContent()).toContain('Jaeger');
    await openView('Topology');
    await page().locator('g[data-service="user"]').waitFor({ timeout: 10_000 });
    await openView('Workflows');
    await page().locator(`tr[data-workflow="${onboardingWorkflowId(account.userId)}"]`).waitFor({ timeout: 20_000 });
  });

  it('logged no console errors in the page', () => {
    expect(browser.errors).toEqual([]);
  });
});
