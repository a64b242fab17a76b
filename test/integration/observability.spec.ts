import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_APPS, httpGet, repoRoot, waitFor } from '@mesh/harness';
import { onboardingWorkflowId } from '@mesh/service-kit/contract';
import { DATASOURCE_UID } from '../../xds-server/src/generate/grafana.generator';
import { CONTROL_PLANE_SERVICE, SCRAPE_JOBS } from '../../xds-server/src/generate/prometheus.generator';
import { jaegerTrace, jaegerTraces, TraceView, type JaegerSpan } from '../support/jaeger-trace';
import { completeProfile, createUser, notifications, signUp, uploadDocument, waitForDecision, type Account } from '../support/onboarding-journey';
import { OnboardingPlatform } from '../support/onboarding-platform';
import { activeTargets, instantQuery, metricNames, promtoolCheckConfig, promtoolCheckMetrics, type ActiveTarget } from '../support/prometheus-api';

/**
 * The whole demo platform as `mesh up` runs it (the demo mesh.config.ts, strict mTLS), with
 * real Jaeger and Prometheus: one onboarding journey through the gateway, then what the
 * operator sees of it.
 */

interface BootstrapDump {
  configs: Array<{ '@type': string; bootstrap?: Record<string, unknown> }>;
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{ id: number; title: string; type: string; datasource: { uid: string }; targets: Array<{ refId: string; expr: string; datasource: { uid: string } }> }>;
}

/**
 * Names Envoy's exposition breaks promtool's naming lint with (no HELP, counters without
 * `_total`, unit words): Envoy's own metric names, which the dashboards query as they are.
 * Anything else (a parse error, a duplicate series, a bad label) still fails.
 */
const ENVOY_NAMING_LINTS = [
  /^\S+ no help text$/,
  /^\S+ counter metrics should have "_total" suffix$/,
  /^\S+ non-histogram and non-summary metrics should not have "_count" suffix$/,
  /^\S+ non-counter metrics should not have "_total" suffix$/,
  /^\S+ use base unit "seconds" instead of "\w+"$/,
  /^\S+ metric names should not contain abbreviated units$/,
];

/** Where each activity of OnboardUser and ApprovalWorkflow sends its request. */
const ACTIVITY_DESTINATIONS: Record<string, string> = {
  sendWelcomeEmail: 'notification',
  checkEligibility: 'approval',
  scoreCredit: 'approval',
  recordDecision: 'approval',
  notifyUserOfResult: 'notification',
};

const PROMQL_WORDS = new Set(['sum', 'min', 'max', 'avg', 'count', 'by', 'without', 'rate', 'increase', 'irate', 'histogram_quantile', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool']);

/** Every `name{matchers}` selector of a PromQL expression. */
function selectors(expr: string): Array<{ name: string; matchers: string }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({ name: m[1]!, matchers: m[2]! }));
}

/** Identifiers that stand for a metric without braces (there should be none: every panel selects a job). */
function bareMetrics(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*[({])/g)].map((m) => m[1]!).filter((word) => !PROMQL_WORDS.has(word));
}

describe('observability of the onboarding journey: one trace in Jaeger, every target in Prometheus, dashboards on real metrics', () => {
  let platform: OnboardingPlatform;
  let account: Account;
  let prometheusUrl: string;
  let jaegerUrl: string;

  beforeAll(async () => {
    platform = await OnboardingPlatform.start('observability', {
      meshConfig: join(repoRoot(), 'mesh.config.ts'),
      observability: true,
      env: {
        approval: { CREDIT_SCORE_FAILURE_RATE: '0' },
        notification: { NOTIFICATION_FAILURE_RATE: '0' },
        document: { DOCUMENT_SCAN_MS: '0', DOCUMENT_OCR_MS: '0' },
      },
    });
    prometheusUrl = platform.prometheus!.url;
    jaegerUrl = platform.jaeger!.queryUrl;

    // The journey, once, for every check below.
    account = await signUp(platform, 'observed');
    await createUser(platform, account);
    await completeProfile(platform, account);
    await uploadDocument(platform, account, 'id');
    await waitForDecision(platform, account);
    await waitFor('the onboarding-result notification delivered', async () => (await notifications(platform, account)).some((n) => n.template === 'onboarding-result' && n.status === 'delivered'), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
  }, 300_000);
  afterAll(() => platform?.stop());

  it('POST /users is one trace: gateway → user-sidecar → user → Temporal client → workflow → sendWelcomeEmail → workflows-sidecar → notification-sidecar → notification', async () => {
    const workflowId = onboardingWorkflowId(account.userId);
    // The request that started the workflow: the trace holding the client's StartWorkflow span for this user.
    const traceId = await waitFor(
      `Jaeger: the trace of StartWorkflow:OnboardUser for ${workflowId}`,
      async () => (await jaegerTraces(jaegerUrl, { service: 'user', operation: 'StartWorkflow:OnboardUser', tags: JSON.stringify({ temporalWorkflowId: workflowId }), limit: '5', lookback: '1h' }))[0]?.traceID,
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    interface Chain {
      gateway: JaegerSpan;
      userSidecar: JaegerSpan;
      userServer: JaegerSpan;
      startWorkflow: JaegerSpan;
      runWorkflow: JaegerSpan;
      startActivity: JaegerSpan;
      runActivity: JaegerSpan;
      activityCall: JaegerSpan;
      workflowsSidecar: JaegerSpan;
      notificationSidecar: JaegerSpan;
      notificationServer: JaegerSpan;
    }
    const isServer = (view: TraceView) => (s: JaegerSpan) => view.tag(s, 'span.kind') === 'server';
    // Each link as a condition on the spans found so far; the first missing one is what the deadline reports.
    const follow = (view: TraceView): Chain => {
      const need = (what: string, span: JaegerSpan | undefined): JaegerSpan => {
        if (!span) throw new Error(`no ${what} yet; spans so far: ${JSON.stringify(view.countsByService())}`);
        return span;
      };
      const gateway = need('gateway span without a parent', view.spans('gateway', (s) => view.parentId(s) === undefined)[0]);
      const userSidecar = need('user-sidecar span under the gateway span', view.childOf(gateway, 'user-sidecar'));
      const userServer = need('user server span under the user-sidecar span', view.childOf(userSidecar, 'user', isServer(view)));
      const startWorkflow = need('StartWorkflow:OnboardUser inside the POST /users request', view.spans('user', (s) => s.operationName === 'StartWorkflow:OnboardUser' && view.isAncestor(userServer, s))[0]);
      const runWorkflow = need('RunWorkflow:OnboardUser under StartWorkflow', view.childOf(startWorkflow, 'workflows', (s) => s.operationName === 'RunWorkflow:OnboardUser'));
      const startActivity = need('StartActivity:sendWelcomeEmail under RunWorkflow', view.childOf(runWorkflow, 'workflows', (s) => s.operationName === 'StartActivity:sendWelcomeEmail'));
      // An attempt that Envoy answered itself (no healthy upstream yet) is retried by Temporal:
      // the attempt that got through is the one whose call reaches the service.
      const delivered = (attempt: JaegerSpan, destination: string) => {
        for (const call of view.spans('workflows', (s) => view.tag(s, 'span.kind') === 'client' && view.isAncestor(attempt, s))) {
          const egress = view.childOf(call, 'workflows-sidecar');
          const ingress = egress && view.childOf(egress, `${destination}-sidecar`);
          const server = ingress && view.childOf(ingress, destination, isServer(view));
          if (egress && ingress && server) return { call, egress, ingress, server };
        }
        return undefined;
      };
      const attempts = view.spans('workflows', (s) => s.operationName === 'RunActivity:sendWelcomeEmail' && view.parentId(s) === startActivity.spanID);
      need('RunActivity:sendWelcomeEmail under StartActivity', attempts[0]);
      const welcome = attempts.map((attempt) => ({ attempt, hops: delivered(attempt, 'notification') })).find((a) => a.hops);
      if (!welcome?.hops) throw new Error(`no attempt of sendWelcomeEmail (${attempts.length} so far) reached notification through both sidecars yet; spans so far: ${JSON.stringify(view.countsByService())}`);
      // Every activity of the run (the child workflow's too) called its service through the
      // worker's Envoy, continuing the trace through the destination's sidecar into the service.
      for (const [activity, destination] of Object.entries(ACTIVITY_DESTINATIONS)) {
        const runs = view.spans('workflows', (s) => s.operationName === `RunActivity:${activity}` && view.isAncestor(runWorkflow, s));
        if (!runs.some((run) => delivered(run, destination))) throw new Error(`no attempt of ${activity} (${runs.length} so far) traced into ${destination} yet; spans so far: ${JSON.stringify(view.countsByService())}`);
      }
      const { call: activityCall, egress: workflowsSidecar, ingress: notificationSidecar, server: notificationServer } = welcome.hops;
      return { gateway, userSidecar, userServer, startWorkflow, runWorkflow, startActivity, runActivity: welcome.attempt, activityCall, workflowsSidecar, notificationSidecar, notificationServer };
    };
    const { view, chain } = await waitFor(
      `trace ${traceId}: every hop from the gateway to notification-service`,
      async () => {
        const trace = await jaegerTrace(jaegerUrl, traceId);
        if (!trace) return undefined;
        const found = new TraceView(trace);
        return { view: found, chain: follow(found) };
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );

    console.log(
      `trace ${traceId} (POST /users): ${view.trace.spans.length} spans by service ${JSON.stringify(view.countsByService())}\n` +
        Object.entries(chain)
          .map(([hop, span]) => `  ${hop.padEnd(20)} ${view.describe(span)} <- ${view.describe(view.parent(span))}`)
          .join('\n'),
    );
    expect(view.trace.spans.every((s) => s.traceID === traceId)).toBe(true);
    const processes = new Set(Object.values(chain).map((s) => view.service(s)));
    expect([...processes].sort()).toEqual(['gateway', 'notification', 'notification-sidecar', 'user', 'user-sidecar', 'workflows', 'workflows-sidecar']);
    // The request's path: gateway's span is the root; the sidecar span names the route the gateway took.
    expect(chain.userServer.operationName).toMatch(/^POST/);
    expect(view.tag(chain.userServer, 'http.route') ?? chain.userServer.operationName).toMatch(/\/users$/);
    expect(view.tag(chain.startWorkflow, 'temporalWorkflowId')).toBe(onboardingWorkflowId(account.userId));
    expect(view.tag(chain.notificationServer, 'http.route') ?? chain.notificationServer.operationName).toMatch(/\/notifications$/);
    // The rest of the workflow (the child ApprovalWorkflow and its activities) is in the same trace.
    expect(view.spans('workflows', (s) => s.operationName === 'RunWorkflow:ApprovalWorkflow' && view.isAncestor(chain.runWorkflow, s))).toHaveLength(1);
    expect(view.spans('approval').length).toBeGreaterThan(0);
  });

  it('PUT /users/me/profile is one trace too: the profileCompleted signal is handled in the workflow under the request that sent it', async () => {
    const workflowId = onboardingWorkflowId(account.userId);
    const traceId = await waitFor(
      `Jaeger: the trace of SignalWorkflow:profileCompleted for ${workflowId}`,
      async () => (await jaegerTraces(jaegerUrl, { service: 'user', operation: 'SignalWorkflow:profileCompleted', tags: JSON.stringify({ temporalWorkflowId: workflowId }), limit: '5', lookback: '1h' }))[0]?.traceID,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const { view, handled } = await waitFor(
      `trace ${traceId}: HandleSignal:profileCompleted in the worker`,
      async () => {
        const trace = await jaegerTrace(jaegerUrl, traceId);
        if (!trace) return undefined;
        const found = new TraceView(trace);
        const signal = found.spans('user', (s) => s.operationName === 'SignalWorkflow:profileCompleted')[0];
        const handler = signal && found.childOf(signal, 'workflows', (s) => s.operationName === 'HandleSignal:profileCompleted');
        return handler && { view: found, handled: { signal, handler } };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const server = view.spans('user', (s) => view.tag(s, 'span.kind') === 'server' && view.isAncestor(s, handled.signal))[0];
    expect(server?.operationName).toMatch(/^PUT/);
    const sidecar = server && view.parent(server);
    expect(sidecar && view.service(sidecar)).toBe('user-sidecar');
    expect(view.service(view.parent(sidecar!)!)).toBe('gateway');
  });

  it('the gateway has its tracer from xDS: the OpenTelemetry provider and the collector cluster are dynamic, the bootstrap has no tracing', async () => {
    const adminUrl = platform.gateway.envoy.adminUrl;
    const dump = JSON.parse(await httpGet(`${adminUrl}/config_dump`)) as BootstrapDump;
    const bootstrap = dump.configs.find((c) => c['@type'].endsWith('BootstrapConfigDump'))?.bootstrap;
    expect(bootstrap).toBeDefined();
    expect(bootstrap).not.toHaveProperty('tracing');
    expect(JSON.stringify(bootstrap)).not.toContain('mesh_otlp_collector');
    const listeners = JSON.parse(await httpGet(`${adminUrl}/config_dump?resource=dynamic_listeners`)) as { configs: Array<{ name: string; active_state?: { listener: unknown } }> };
    const gatewayListener = JSON.stringify(listeners.configs.find((c) => c.name === 'gateway')?.active_state?.listener ?? {});
    expect(gatewayListener).toContain('envoy.tracers.opentelemetry');
    expect(gatewayListener).toContain('"service_name":"gateway"');
    expect(gatewayListener).toContain('"cluster_name":"mesh_otlp_collector"');
    const clusters = JSON.parse(await httpGet(`${adminUrl}/config_dump?resource=dynamic_active_clusters`)) as { configs: Array<{ cluster: { name: string } }> };
    expect(clusters.configs.map((c) => c.cluster.name)).toContain('mesh_otlp_collector');
  });

  it('Prometheus scrapes every Envoy, every service, the worker and the control plane, and every one of them is up; promtool accepts each endpoint', async () => {
    const instances = [...platform.apps.values()].flat();
    const expected: Record<string, string[]> = {
      [SCRAPE_JOBS.controlPlane]: ['control-plane-local'],
      [SCRAPE_JOBS.services]: instances.map((s) => s.instanceId).sort(),
      [SCRAPE_JOBS.envoy]: ['gateway-1', ...instances.map((s) => s.instanceId)].sort(),
      consul: ['consul'],
      jaeger: ['jaeger'],
      prometheus: ['prometheus'],
      temporal: ['temporal'],
    };
    expect(expected[SCRAPE_JOBS.services]).toEqual(DEMO_APPS.map((app) => `${app}-1`).sort());
    const byJob = (targets: ActiveTarget[]) => {
      const jobs: Record<string, string[]> = {};
      for (const t of targets) (jobs[t.labels.job!] ??= []).push(t.labels.job!.startsWith('mesh-') ? t.labels.instance! : t.labels.job!);
      return Object.fromEntries(Object.entries(jobs).map(([job, names]) => [job, names.sort()]));
    };
    // The config generated from the DSL for this run is valid for promtool too.
    const config = await promtoolCheckConfig(platform.prometheus!.configFile);
    expect({ code: config.code, output: config.output }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
    const expectedCount = Object.values(expected).flat().length;
    const targets = await waitFor(
      'every Prometheus target listed and up',
      async () => {
        const active = await activeTargets(prometheusUrl);
        if (active.length < expectedCount) throw new Error(`${active.length} of ${expectedCount} targets listed: ${JSON.stringify(byJob(active))}`);
        const down = active.filter((t) => t.health !== 'up');
        if (down.length) throw new Error(`not up: ${down.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`).join('; ')}`);
        return active;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(byJob(targets)).toEqual(expected);
    // The labels the dashboards group by.
    const controlPlane = targets.find((t) => t.labels.job === SCRAPE_JOBS.controlPlane)!;
    expect(controlPlane.labels).toMatchObject({ service: CONTROL_PLANE_SERVICE, node: 'local' });
    expect(targets.find((t) => t.labels.instance === 'gateway-1')?.labels.service).toBe('gateway');
    for (const app of DEMO_APPS) {
      expect(targets.filter((t) => t.labels.service === app).map((t) => t.labels.job).sort()).toEqual([SCRAPE_JOBS.envoy, SCRAPE_JOBS.services]);
    }

    const meshTargets = targets.filter((t) => t.labels.job!.startsWith('mesh-'));
    const verdicts: string[] = [];
    for (const target of meshTargets) {
      const result = await promtoolCheckMetrics(await httpGet(target.scrapeUrl, 5000));
      const isEnvoy = target.labels.job === SCRAPE_JOBS.envoy;
      const unexpected = isEnvoy ? result.problems.filter((p) => !ENVOY_NAMING_LINTS.some((lint) => lint.test(p))) : result.problems;
      const accepted = isEnvoy ? [0, 3].includes(result.code) : result.code === 0;
      if (!accepted || unexpected.length) verdicts.push(`${target.scrapeUrl}: promtool exit ${result.code}: ${unexpected.slice(0, 10).join('; ')}`);
    }
    expect(verdicts).toEqual([]);
  });

  it('every panel of every provisioned dashboard queries metrics Prometheus has scraped, under the job it selects', async () => {
    const dir = join(repoRoot(), 'deploy', 'examples', 'grafana', 'dashboards');
    const dashboards = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard);
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['mesh-control-plane', 'mesh-overview', 'mesh-workflows']);

    const queries = dashboards.flatMap((d) =>
      d.panels.flatMap((p) => {
        expect({ dashboard: d.uid, panel: p.title, type: p.type, datasource: p.datasource.uid, targets: p.targets.length > 0 }).toEqual({
          dashboard: d.uid,
          panel: p.title,
          type: 'timeseries',
          datasource: DATASOURCE_UID,
          targets: true,
        });
        return p.targets.map((t) => ({ where: `${d.uid} / ${p.title} / ${t.refId}`, expr: t.expr }));
      }),
    );
    for (const { where, expr } of queries) {
      expect({ where, bare: bareMetrics(expr) }).toEqual({ where, bare: [] });
      expect({ where, selectors: selectors(expr).length > 0 }).toEqual({ where, selectors: true });
    }
    const wanted = [...new Set(queries.flatMap((q) => selectors(q.expr).map((s) => s.name)))].sort();

    // Scraped after the journey: every name the panels use is in Prometheus' own list.
    const missing = await waitFor(
      'every metric the dashboards query in /api/v1/label/__name__/values',
      async () => {
        const names = new Set(await metricNames(prometheusUrl));
        const absent = wanted.filter((n) => !names.has(n));
        if (absent.length) throw new Error(`absent: ${absent.join(', ')}`);
        return absent;
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(missing).toEqual([]);

    // And under the job each selector names, the query parses and returns series.
    const empty: string[] = [];
    for (const { where, expr } of queries) {
      await instantQuery(prometheusUrl, expr);
      for (const { name, matchers } of selectors(expr)) {
        const job = /job="([^"]+)"/.exec(matchers)?.[1];
        const selector = job ? `${name}{job="${job}"}` : name;
        if ((await instantQuery(prometheusUrl, `count(${selector})`)).length === 0) empty.push(`${where}: ${selector}`);
      }
    }
    expect(empty).toEqual([]);
  });
});
