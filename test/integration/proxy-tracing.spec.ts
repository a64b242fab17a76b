import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  adsBootstrap,
  freePort,
  httpGet,
  ProcessSupervisor,
  startConsul,
  startControlPlane,
  startEnvoy,
  startJaeger,
  waitFor,
  type EnvoyHandle,
  type JaegerHandle,
} from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';

const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');

interface JaegerTrace {
  spans: Array<{ spanID: string; operationName: string; processID: string; references?: Array<{ refType: string; spanID: string }> }>;
  processes: Record<string, { serviceName: string }>;
}

interface BootstrapDump {
  configs: Array<{ '@type': string; bootstrap?: Record<string, unknown> }>;
}

describe('proxy tracing configured over xDS, real Envoy and Jaeger', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('proxy-tracing'));
  let jaeger: JaegerHandle;
  let client: EnvoyHandle;
  let echoSidecar: EnvoyHandle;
  let outboundPort: number;
  let consulAddr: string;

  beforeAll(async () => {
    const consul = await startConsul(supervisor);
    consulAddr = consul.httpAddr;
    jaeger = await startJaeger(supervisor);
    const [appPort, sidecarPort] = [await freePort(), await freePort()];
    await supervisor.start({ name: 'echo', command: process.execPath, args: [ECHO, 'echo-a', String(appPort)], ready: () => httpGet(`http://127.0.0.1:${appPort}/health`) });
    await registerService(consul.httpAddr, { id: 'echo-a', name: 'echo', port: appPort, meta: { sidecar_port: String(sidecarPort) } });
    const controlPlane = await startControlPlane(supervisor, {
      consulAddr: consul.httpAddr,
      proxyOtlp: jaeger.otlpGrpcEndpoint,
      // Its own spans, batched by the SDK every second rather than the default five.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${jaeger.otlpGrpcEndpoint}`, OTEL_BSP_SCHEDULE_DELAY: '1000' },
    });
    const sidecar = async (service: string, metadata: Record<string, string | number>) =>
      startEnvoy(supervisor, {
        name: `envoy-${service}`,
        bootstrap: (adminPort) => adsBootstrap({ nodeId: `${service}-1`, service, xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType: 'GRPC', metadata }, adminPort),
      });
    outboundPort = await freePort();
    client = await sidecar('client', { outbound_port: outboundPort });
    echoSidecar = await sidecar('echo', { outbound_port: await freePort(), service_instance_id: 'echo-a' });
    await waitFor('echo reachable through both sidecars', async () => (await httpRequest(`http://127.0.0.1:${outboundPort}/`, { headers: { host: 'echo' } })).status === 200, {
      timeoutMs: 30_000,
    });
  });
  afterAll(() => supervisor.stopAll());

  it('joins the caller\'s W3C trace in both sidecars, with parent links, and the app sees the same trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const answer = await httpRequest(`http://127.0.0.1:${outboundPort}/traced`, { headers: { host: 'echo', traceparent: `00-${traceId}-${callerSpan}-01` } });
    expect(answer.status).toBe(200);
    const seenByApp = (JSON.parse(answer.body) as { traceparent?: string }).traceparent ?? '';
    expect(seenByApp.split('-')[1]).toBe(traceId);

    const trace = await waitFor(
      `trace ${traceId} with spans from both sidecars in Jaeger`,
      async () => {
        const response = await fetch(`${jaeger.queryUrl}/api/traces/${traceId}`);
        if (!response.ok) return undefined;
        const found = ((await response.json()) as { data: JaegerTrace[] }).data[0];
        const services = new Set(found?.spans.map((s) => found.processes[s.processID]?.serviceName));
        return services.has('client-sidecar') && services.has('echo-sidecar') ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const spanOf = (service: string) => trace.spans.find((s) => trace.processes[s.processID]?.serviceName === service)!;
    const egress = spanOf('client-sidecar');
    const ingress = spanOf('echo-sidecar');
    expect(egress.references?.[0]?.spanID).toBe(callerSpan);
    expect(ingress.references?.[0]?.spanID).toBe(egress.spanID);
    // The app's traceparent names the ingress span as its parent.
    expect(seenByApp.split('-')[2]).toBe(ingress.spanID);
  });

  it('has the tracer from xDS only: no tracing section in either bootstrap', async () => {
    for (const envoy of [client, echoSidecar]) {
      const dump = JSON.parse(await httpGet(`${envoy.adminUrl}/config_dump`)) as BootstrapDump;
      const bootstrap = dump.configs.find((c) => c['@type'].endsWith('BootstrapConfigDump'))?.bootstrap;
      expect(bootstrap).toBeDefined();
      expect(bootstrap).not.toHaveProperty('tracing');
      const listeners = await httpGet(`${envoy.adminUrl}/config_dump?resource=dynamic_listeners`);
      expect(listeners).toContain('envoy.tracers.opentelemetry');
    }
  });

  it('traces its own translations and pushes, with pushes inside the translation that caused them, and no span per stream', async () => {
    // A catalog change while both sidecars are connected: one translation, pushed to both.
    await registerService(consulAddr, { id: 'late-a', name: 'late', port: 9 });
    const operations = await waitFor(
      'xds-server operations in Jaeger',
      async () => {
        const response = await fetch(`${jaeger.queryUrl}/api/services/xds-server/operations`);
        const names = response.ok ? ((await response.json()) as { data: string[] | null }).data ?? [] : [];
        return names.includes('mesh.translate') && names.includes('xds.push') ? names : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(operations.filter((name) => /AggregatedResources|Discovery/.test(name))).toEqual([]);

    const withPushes = await waitFor(
      'a translation trace holding pushes to both sidecars',
      async () => {
        const traces = (await (await fetch(`${jaeger.queryUrl}/api/traces?service=xds-server&operation=mesh.translate&limit=50`)).json()) as { data: JaegerTrace[] };
        return traces.data.find((t) => t.spans.filter((s) => s.operationName === 'xds.push').length >= 2);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const translate = withPushes.spans.find((s) => s.operationName === 'mesh.translate')!;
    const pushes = withPushes.spans.filter((s) => s.operationName === 'xds.push');
    expect(pushes.every((p) => p.references?.[0]?.spanID === translate.spanID)).toBe(true);
  });
});
