import { randomBytes } from 'node:crypto';
import {
  adminOnlyBootstrap,
  httpGet,
  ProcessSupervisor,
  startConsul,
  startEnvoy,
  startJaeger,
  startPrometheus,
  startTemporal,
  temporalCli,
  waitFor,
} from '@mesh/harness';
import { suiteRunDir } from '../support/run-dir';

const json = async <T>(url: string): Promise<T> => JSON.parse(await httpGet(url)) as T;

describe('smoke: each real binary starts and answers on its API', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('smoke'));
  afterAll(() => supervisor.stopAll());

  it('Consul answers the v1 catalog and its Connect CA has a root', async () => {
    const consul = await startConsul(supervisor);
    const services = await json<Record<string, string[]>>(`${consul.httpAddr}/v1/catalog/services`);
    expect(Object.keys(services)).toContain('consul');
    const roots = await json<{ TrustDomain: string; Roots: Array<{ Active: boolean; RootCert: string }> }>(
      `${consul.httpAddr}/v1/agent/connect/ca/roots`,
    );
    expect(roots.TrustDomain).toMatch(/\.consul$/);
    expect(roots.Roots.length).toBeGreaterThan(0);
    expect(roots.Roots.filter((r) => r.Active)).toHaveLength(1);
    expect(roots.Roots[0]?.RootCert).toContain('BEGIN CERTIFICATE');
  });

  it('Envoy starts from a static bootstrap and reports /ready', async () => {
    const envoy = await startEnvoy(supervisor, { name: 'envoy-static', bootstrap: (port) => adminOnlyBootstrap('smoke', port) });
    expect((await httpGet(`${envoy.adminUrl}/ready`)).trim()).toBe('LIVE');
    const info = await json<{ state: string; node: { id: string } }>(`${envoy.adminUrl}/server_info`);
    expect(info.state).toBe('LIVE');
    expect(info.node.id).toBe('smoke');
  });

  it('Temporal describes the default namespace through the temporal CLI', async () => {
    const temporal = await startTemporal(supervisor, { headless: true });
    const described = JSON.parse(
      await temporalCli(temporal.address, ['operator', 'namespace', 'describe', '--namespace', 'default', '--output', 'json']),
    ) as { namespaceInfo: { name: string; state: string } };
    expect(described.namespaceInfo.name).toBe('default');
    expect(described.namespaceInfo.state).toBe('NAMESPACE_STATE_REGISTERED');
  });

  it('Jaeger stores a span sent over OTLP and serves it from the query API', async () => {
    const jaeger = await startJaeger(supervisor);
    const service = `smoke-${randomBytes(4).toString('hex')}`;
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const response = await fetch(`${jaeger.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeSpans: [
              {
                scope: { name: 'smoke' },
                spans: [
                  {
                    traceId,
                    spanId: randomBytes(8).toString('hex'),
                    name: 'smoke-span',
                    kind: 2,
                    startTimeUnixNano: String(now),
                    endTimeUnixNano: String(now + 5_000_000n),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    await waitFor(
      `service ${service} in /api/services`,
      async () => (await json<{ data: string[] }>(`${jaeger.queryUrl}/api/services`)).data.includes(service),
      { timeoutMs: 15_000 },
    );
    const trace = await json<{ data: Array<{ traceID: string; spans: Array<{ operationName: string }> }> }>(
      `${jaeger.queryUrl}/api/traces/${traceId}`,
    );
    expect(trace.data[0]?.traceID).toBe(traceId);
    expect(trace.data[0]?.spans.map((s) => s.operationName)).toEqual(['smoke-span']);
  });

  it('Prometheus is ready and scrapes itself', async () => {
    const prometheus = await startPrometheus(supervisor);
    expect(await httpGet(`${prometheus.url}/-/ready`)).toMatch(/ready/i);
    const up = await waitFor(
      'a successful self-scrape',
      async () => {
        const result = await json<{ data: { result: Array<{ value: [number, string] }> } }>(
          `${prometheus.url}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`,
        );
        return result.data.result[0]?.value[1];
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(up).toBe('1');
  });
});
