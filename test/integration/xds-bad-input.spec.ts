import { status } from '@grpc/grpc-js';
import { freePort, ProcessSupervisor, startConsul, type ConsulHandle } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { rawAds, rawAdsBytes } from '../support/raw-ads';
import { suiteRunDir } from '../support/run-dir';
import { health } from '../support/xds-admin';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

/** A protobuf length-delimited field: tag, length, bytes. */
function field(number: number, bytes: Buffer): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

/** Resident memory of a process, from /proc. */
function rssMiB(pid: number): number {
  const line = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l: string) => l.startsWith('VmRSS:')) as string;
  return Number(line.split(/\s+/)[1]) / 1024;
}

describe('bad input on the xDS port, against the real control plane', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('xds-bad-input'));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  const target = () => `127.0.0.1:${controlPlane.xdsPort}`;
  const node = { id: 'probe', cluster: 'client' };

  /** A well-behaved client still gets its clusters: the server kept serving. */
  async function stillServes(): Promise<void> {
    const outcome = await rawAds(target(), [{ node: { id: `witness-${Math.random()}`, cluster: 'client' }, type_url: CDS }], { waitMs: 1500 });
    expect({ code: outcome.code, types: outcome.responses.map((r) => r.type_url) }).toEqual({ code: undefined, types: [CDS] });
  }

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    await registerService(consul.httpAddr, { id: 'echo-1', name: 'echo', port: await freePort() });
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
  });
  afterAll(() => supervisor.stopAll());

  it('ends a stream whose request is not a DiscoveryRequest with INVALID_ARGUMENT', async () => {
    for (const garbage of [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from('not a protobuf at all, just text')]) {
      const outcome = await rawAdsBytes(target(), [garbage]);
      expect({ code: outcome.code, responses: outcome.responses }).toEqual({ code: status.INVALID_ARGUMENT, responses: 0 });
    }
    await stillServes();
  });

  it('ends a stream whose request is truncated with INVALID_ARGUMENT', async () => {
    const whole = field(4, Buffer.from(CDS));
    const outcome = await rawAdsBytes(target(), [whole.subarray(0, whole.length - 10)]);
    expect({ code: outcome.code, responses: outcome.responses }).toEqual({ code: status.INVALID_ARGUMENT, responses: 0 });
    await stillServes();
  });

  it('leaves a request for an unknown type URL unanswered and keeps the stream', async () => {
    const outcome = await rawAds(target(), [{ node, type_url: 'type.googleapis.com/not.a.Type' }, { type_url: CDS }], { waitMs: 1500 });
    expect({ code: outcome.code, types: outcome.responses.map((r) => r.type_url) }).toEqual({ code: undefined, types: [CDS] });
  });

  it('refuses 100,000 resource names in one request with RESOURCE_EXHAUSTED, naming the limit', async () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `service-${i}`);
    const outcome = await rawAds(target(), [{ node, type_url: EDS, resource_names: names }]);
    expect({ code: outcome.code, responses: outcome.responses.length }).toEqual({ code: status.RESOURCE_EXHAUSTED, responses: 0 });
    expect(outcome.details).toMatch(/resource names/);
    await stillServes();
  });

  it('refuses garbage and oversized node metadata with a precise status', async () => {
    const garbage = await rawAds(target(), [{ node: { id: 'g', cluster: 'client', metadata: { fields: { outbound_port: { stringValue: 'not a port' } } } }, type_url: CDS }]);
    expect({ code: garbage.code, responses: garbage.responses.length }).toEqual({ code: status.INVALID_ARGUMENT, responses: 0 });
    expect(garbage.details).toMatch(/outbound_port/);
    const huge = await rawAds(target(), [{ node: { id: 'h', cluster: 'client', metadata: { fields: { blob: { stringValue: 'x'.repeat(5 * 1024 * 1024) } } } }, type_url: CDS }]);
    expect({ code: huge.code, responses: huge.responses.length }).toEqual({ code: status.RESOURCE_EXHAUSTED, responses: 0 });
    await stillServes();
  });

  it('ignores a nonce from another stream and keeps serving the stream', async () => {
    const first = await rawAds(target(), [{ node: { id: 'n1', cluster: 'client' }, type_url: CDS }], { waitMs: 1000 });
    const nonce = (first.responses[0] as { nonce?: string } | undefined)?.nonce;
    expect(nonce).toEqual(expect.any(String));
    // A fresh stream's first response, then a request carrying the other stream's nonce: stale, ignored.
    const second = await rawAds(target(), [{ node: { id: 'n2', cluster: 'client' }, type_url: CDS }, { type_url: CDS, response_nonce: `${nonce}-other`, version_info: 'bogus' } as never], { waitMs: 1000 });
    expect({ code: second.code, types: second.responses.map((r) => r.type_url) }).toEqual({ code: undefined, types: [CDS] });
  });

  it('serves 1,000 streams opened at once by one peer, and every other stream, with bounded memory', async () => {
    const before = rssMiB(controlPlane.process.pid as number);
    const outcomes = await Promise.all(Array.from({ length: 1000 }, (_, i) => rawAds(target(), [{ node: { id: `storm-${i}`, cluster: 'client' }, type_url: CDS }], { waitMs: 8000 })));
    const failures = outcomes.filter((o) => o.code !== undefined || o.responses.length !== 1).map((o) => `${o.code}:${o.responses.length}:${o.details}`);
    expect({ failed: failures.length, first: failures.slice(0, 3) }).toEqual({ failed: 0, first: [] });
    await stillServes();
    // Generous: each stream holds a few KiB; the point is that memory does not grow without bound.
    expect(rssMiB(controlPlane.process.pid as number) - before).toBeLessThan(400);
    expect((await health(controlPlane.adminUrl)).status).toBe('UP');
  });
});
