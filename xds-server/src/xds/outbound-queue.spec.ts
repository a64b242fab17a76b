import { OutboundQueue, type DropReason, type OutboundQueueOptions } from './outbound-queue';
import { TypeUrl } from '../resources/type-url';

interface Msg {
  readonly typeUrl: TypeUrl;
  readonly id: string;
}

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;
const SDS = TypeUrl.Secret;

/**
 * A transport like a grpc-js call: write(message, done) calls `done` once the message is taken.
 * While `full`, it holds that callback until drain(), as a slow reader holds back HTTP/2 flow control.
 */
class FakeCall {
  readonly written: string[] = [];
  full = false;
  private held: (() => void) | undefined;

  write(message: Msg, done: () => void): void {
    this.written.push(message.id);
    if (this.full) this.held = done;
    else done();
  }

  /** A write waits for its callback. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  drain(): void {
    this.full = false;
    const held = this.held;
    this.held = undefined;
    held?.();
  }
}

function setup(overrides: Partial<OutboundQueueOptions<Msg>> = {}): {
  call: FakeCall;
  queue: OutboundQueue<Msg>;
  dropped: string[];
} {
  const call = new FakeCall();
  const dropped: string[] = [];
  const queue = new OutboundQueue<Msg>({
    write: (m, done) => call.write(m, done),
    stillCurrent: () => true,
    onDrop: (m: Msg, reason: DropReason) => dropped.push(`${m.id}:${reason}`),
    ...overrides,
  });
  return { call, queue, dropped };
}

const msg = (typeUrl: TypeUrl, id: string): Msg => ({ typeUrl, id });

describe('OutboundQueue', () => {
  it('holds at most one response per type for a slow reader, the newest, with one write in flight', () => {
    const { call, queue, dropped } = setup();
    call.full = true;
    queue.enqueue(msg(CDS, 'cds-0'));
    for (let version = 1; version <= 100; version++) {
      queue.enqueue(msg(CDS, `cds-${version}`));
      queue.enqueue(msg(EDS, `eds-${version}`));
      expect(queue.size).toBeLessThanOrEqual(2);
    }
    expect(call.written).toEqual(['cds-0']);
    expect(dropped).toHaveLength(198);
    call.drain();
    expect(call.written).toEqual(['cds-0', 'cds-100', 'eds-100']);
  });

  it('writes at once while the transport has room', () => {
    const { call, queue } = setup();
    queue.enqueue(msg(LDS, 'lds1'));
    queue.enqueue(msg(CDS, 'cds1'));
    expect(call.written).toEqual(['lds1', 'cds1']);
    expect(queue.size).toBe(0);
  });

  it('stops after a write reports a full buffer and resumes on drain, waiting messages in push order', () => {
    const { call, queue } = setup();
    call.full = true;
    queue.enqueue(msg(RDS, 'first'));
    expect(queue.isBlocked).toBe(true);
    for (const [typeUrl, id] of [[SDS, 'sds'], [RDS, 'rds'], [LDS, 'lds'], [EDS, 'eds'], [CDS, 'cds']] as const) {
      queue.enqueue(msg(typeUrl, id));
    }
    expect(call.written).toEqual(['first']);
    expect(queue.size).toBe(5);
    expect(call.holding).toBe(true);

    call.drain();
    expect(call.written).toEqual(['first', 'cds', 'eds', 'lds', 'rds', 'sds']);
    expect([queue.size, queue.isBlocked, call.holding]).toEqual([0, false, false]);
  });

  it('blocks again if the transport fills up while draining', () => {
    const { call, queue } = setup();
    call.full = true;
    queue.enqueue(msg(RDS, 'first'));
    queue.enqueue(msg(EDS, 'eds'));
    queue.enqueue(msg(LDS, 'lds'));
    call.drain();
    call.full = true;
    // drain() already wrote 'eds' and 'lds'; fill up on the next write.
    queue.enqueue(msg(CDS, 'cds'));
    queue.enqueue(msg(SDS, 'sds'));
    expect(call.written).toEqual(['first', 'eds', 'lds', 'cds']);
    expect(queue.size).toBe(1);
    call.drain();
    expect(call.written).toEqual(['first', 'eds', 'lds', 'cds', 'sds']);
  });

  it('keeps one waiting message per type: a newer one replaces the older', () => {
    const { call, queue, dropped } = setup();
    call.full = true;
    queue.enqueue(msg(CDS, 'cds0'));
    queue.enqueue(msg(EDS, 'eds1'));
    queue.enqueue(msg(EDS, 'eds2'));
    queue.enqueue(msg(EDS, 'eds3'));
    expect(queue.size).toBe(1);
    expect(dropped).toEqual(['eds1:replaced', 'eds2:replaced']);
    call.drain();
    expect(call.written).toEqual(['cds0', 'eds3']);
  });

  it('drops a message that is no longer current when its turn comes', () => {
    const stale = new Set<string>();
    const { call, queue, dropped } = setup({ stillCurrent: (m) => !stale.has(m.id) });
    call.full = true;
    queue.enqueue(msg(CDS, 'cds'));
    queue.enqueue(msg(EDS, 'eds'));
    queue.enqueue(msg(LDS, 'lds'));
    stale.add('eds');
    call.drain();
    expect(call.written).toEqual(['cds', 'lds']);
    expect(dropped).toEqual(['eds:stale']);
  });

  it('picks up a message enqueued from inside write() without writing re-entrantly', () => {
    const order: string[] = [];
    let depth = 0;
    const queue: OutboundQueue<Msg> = new OutboundQueue<Msg>({
      write: (m, done) => {
        depth += 1;
        order.push(`${m.id}@${depth}`);
        if (m.id === 'cds') queue.enqueue(msg(EDS, 'eds'));
        depth -= 1;
        done();
      },
      stillCurrent: () => true,
    });
    queue.enqueue(msg(CDS, 'cds'));
    expect(order).toEqual(['cds@1', 'eds@1']);
  });

  it('leaves a held type waiting without holding up the types behind it, and writes it on retry()', () => {
    let held = true;
    const { call, queue } = setup({ holds: (typeUrl) => held && (typeUrl === LDS || typeUrl === RDS) });
    queue.enqueue(msg(RDS, 'r1'));
    queue.enqueue(msg(SDS, 's1'));
    queue.enqueue(msg(CDS, 'c1'));
    expect(call.written).toEqual(['s1', 'c1']);
    queue.enqueue(msg(RDS, 'r2'));
    queue.retry();
    expect(call.written).toEqual(['s1', 'c1']);
    held = false;
    queue.retry();
    expect(call.written).toEqual(['s1', 'c1', 'r2']);
  });

  it('drops waiting messages on close and ignores a later drain', () => {
    const { call, queue, dropped } = setup();
    call.full = true;
    queue.enqueue(msg(CDS, 'cds'));
    queue.enqueue(msg(EDS, 'eds'));
    queue.enqueue(msg(LDS, 'lds'));
    queue.close();
    expect(dropped).toEqual(['eds:closed', 'lds:closed']);
    call.drain();
    queue.enqueue(msg(RDS, 'rds'));
    expect(call.written).toEqual(['cds']);
    expect(dropped).toEqual(['eds:closed', 'lds:closed', 'rds:closed']);
  });
});
