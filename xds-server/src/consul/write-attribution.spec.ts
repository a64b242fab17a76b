import { ChecksView } from './checks-view';
import type { CheckState } from './health-state';
import { WriteAttribution } from './write-attribution';

function check(serviceName: string, createIndex: number, modifyIndex = createIndex): CheckState {
  return { node: 'n1', checkId: `service:${serviceName}`, serviceId: serviceName, serviceName, status: 'passing', createIndex, modifyIndex };
}

type Deferred<T> = { resolve: (value: T) => void; reject: (error: Error) => void };

describe('WriteAttribution', () => {
  let unexplained: bigint[];
  let probes: Array<Deferred<bigint>>;
  let reads: Array<Deferred<void>>;
  let attribution: WriteAttribution;

  beforeEach(() => {
    unexplained = [];
    probes = [];
    reads = [];
    attribution = new WriteAttribution({
      probe: () => new Promise<bigint>((resolve, reject) => probes.push({ resolve, reject })),
      readChecks: () => new Promise<void>((resolve, reject) => reads.push({ resolve, reject })),
      unexplained: (index) => unexplained.push(index),
      readDelayMs: 1,
    });
  });
  const flush = () => new Promise((r) => setTimeout(r, 20));

  it('explains a write that a current check was created or modified at, once the checks cover it', () => {
    attribution.checksRead(ChecksView.of([check('web', 10), check('api', 12, 20)], 20n), false);
    attribution.servicesWrite(10n, 0);
    attribution.servicesWrite(20n, 0);
    expect(unexplained).toEqual([]);
    expect(probes).toHaveLength(0);
  });

  it('explains a deregistration: checks gone in the answer at exactly the write index', () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 31n), true);
    attribution.servicesWrite(31n, 0);
    expect(unexplained).toEqual([]);
  });

  it('reports a write the checks already cover but do not show', () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 40n), false);
    attribution.servicesWrite(40n, 0);
    attribution.servicesWrite(35n, 0);
    expect(unexplained).toEqual([40n, 35n]);
  });

  it('probes when the write is newer than the checks, and reports it when the checks index stayed below', async () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 10n), false);
    attribution.servicesWrite(50n, 0);
    expect(probes).toHaveLength(1);
    probes[0]?.resolve(10n);
    await flush();
    expect(unexplained).toEqual([50n]);
    expect(reads).toHaveLength(0);
    expect(attribution.pending).toBe(0);
  });

  it('reads the checks when the probe finds them at or past the write, and judges by what the read shows', async () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 10n), false);
    attribution.servicesWrite(50n, 0);
    attribution.servicesWrite(51n, 0);
    probes[0]?.resolve(51n);
    await flush();
    expect(reads).toHaveLength(1);
    // 50 registered api with a check; 51 moved the checks index without touching a check.
    attribution.checksRead(ChecksView.of([check('web', 10), check('api', 50)], 51n), false);
    reads[0]?.resolve();
    await flush();
    expect(unexplained).toEqual([51n]);
    expect(attribution.pending).toBe(0);
  });

  it('needs no read when the checks answer comes during the wait', async () => {
    attribution.checksRead(ChecksView.of([], 10n), false);
    attribution.servicesWrite(65n, 0);
    probes[0]?.resolve(65n);
    await new Promise((r) => setImmediate(r));
    attribution.checksRead(ChecksView.of([check('db', 65)], 65n), false);
    await flush();
    expect(reads).toHaveLength(0);
    expect(unexplained).toEqual([]);
  });

  it('needs no read when the blocking answer comes before the probe', async () => {
    attribution.checksRead(ChecksView.of([], 10n), false);
    attribution.servicesWrite(60n, 0);
    attribution.checksRead(ChecksView.of([check('db', 60)], 60n), false);
    probes[0]?.resolve(60n);
    await flush();
    expect(reads).toHaveLength(0);
    expect(unexplained).toEqual([]);
  });

  it('runs one probe at a time, and a new one for writes seen while it was out', async () => {
    attribution.checksRead(ChecksView.of([], 10n), false);
    attribution.servicesWrite(70n, 0);
    attribution.servicesWrite(71n, 0);
    expect(probes).toHaveLength(1);
    probes[0]?.resolve(10n);
    await flush();
    expect(unexplained).toEqual([70n]);
    expect(probes).toHaveLength(2);
    probes[1]?.resolve(10n);
    await flush();
    expect(unexplained).toEqual([70n, 71n]);
  });

  it('counts the writes of a failed probe or read as unexplained', async () => {
    attribution.checksRead(ChecksView.of([], 10n), false);
    attribution.servicesWrite(80n, 0);
    probes[0]?.reject(new Error('down'));
    await flush();
    expect(unexplained).toEqual([80n]);
    attribution.servicesWrite(81n, 0);
    probes[1]?.resolve(81n);
    await flush();
    reads[0]?.reject(new Error('down'));
    await flush();
    expect(unexplained).toEqual([80n, 81n]);
  });

  it('forgets removals on reset', () => {
    attribution.checksRead(ChecksView.of([], 90n), true);
    attribution.reset();
    attribution.servicesWrite(90n, 0);
    expect(unexplained).toEqual([90n]);
  });
});
