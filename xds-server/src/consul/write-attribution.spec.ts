import { ChecksView } from './checks-view';
import type { CheckState } from './health-state';
import { WriteAttribution } from './write-attribution';

function check(serviceName: string, createIndex: number, modifyIndex = createIndex): CheckState {
  return { node: 'n1', checkId: `service:${serviceName}`, serviceId: serviceName, serviceName, status: 'passing', createIndex, modifyIndex };
}

describe('WriteAttribution', () => {
  let unexplained: bigint[];
  let probes: Array<{ resolve: (index: bigint) => void; reject: (error: Error) => void }>;
  let attribution: WriteAttribution;

  beforeEach(() => {
    unexplained = [];
    probes = [];
    attribution = new WriteAttribution({
      probe: () => new Promise<bigint>((resolve, reject) => probes.push({ resolve, reject })),
      unexplained: (index) => unexplained.push(index),
    });
  });
  const flush = () => new Promise((r) => setImmediate(r));

  it('explains a write whose index a current check was created or modified at, once the checks cover it', () => {
    attribution.checksRead(ChecksView.of([check('web', 10), check('api', 12, 20)], 20n));
    attribution.servicesWrite(10n, 0);
    attribution.servicesWrite(20n, 0);
    expect(unexplained).toEqual([]);
    expect(probes).toHaveLength(0);
  });

  it('explains a deletion: the checks answer at exactly the write index', () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 31n));
    attribution.servicesWrite(31n, 0);
    expect(unexplained).toEqual([]);
  });

  it('reports a write the checks already cover but do not show', () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 40n));
    attribution.servicesWrite(35n, 0);
    expect(unexplained).toEqual([35n]);
  });

  it('probes when the write is newer than the checks, and reports it when the checks index stayed below', async () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 10n));
    attribution.servicesWrite(50n, 0);
    expect(probes).toHaveLength(1);
    probes[0]?.resolve(10n);
    await flush();
    expect(unexplained).toEqual([50n]);
    expect(attribution.pending).toBe(0);
  });

  it('waits for the checks answer when the probe finds the checks at or past the write', async () => {
    attribution.checksRead(ChecksView.of([check('web', 10)], 10n));
    attribution.servicesWrite(50n, 0);
    probes[0]?.resolve(50n);
    await flush();
    expect(attribution.pending).toBe(1);
    attribution.checksRead(ChecksView.of([check('web', 10), check('api', 50)], 50n));
    expect(unexplained).toEqual([]);
    expect(attribution.pending).toBe(0);
  });

  it('settles without a probe answer when the checks answer comes first', async () => {
    attribution.checksRead(ChecksView.of([], 10n));
    attribution.servicesWrite(60n, 0);
    attribution.checksRead(ChecksView.of([check('db', 60)], 60n));
    probes[0]?.resolve(60n);
    await flush();
    expect(unexplained).toEqual([]);
    expect(attribution.pending).toBe(0);
  });

  it('runs one probe at a time, and a new one for writes seen while it was out', async () => {
    attribution.checksRead(ChecksView.of([], 10n));
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

  it('counts the writes of a failed probe as unexplained', async () => {
    attribution.checksRead(ChecksView.of([], 10n));
    attribution.servicesWrite(80n, 0);
    probes[0]?.reject(new Error('down'));
    await flush();
    expect(unexplained).toEqual([80n]);
  });

  it('forgets pending writes on reset', async () => {
    attribution.checksRead(ChecksView.of([], 10n));
    attribution.servicesWrite(90n, 0);
    probes[0]?.resolve(95n);
    await flush();
    attribution.reset();
    attribution.checksRead(ChecksView.of([], 100n));
    expect(unexplained).toEqual([]);
    expect(attribution.pending).toBe(0);
  });
});
