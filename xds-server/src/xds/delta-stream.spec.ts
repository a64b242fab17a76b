import { DeltaStream, type DeltaRequest, type DeltaResponse } from './delta-stream';
import type { NodeView } from '../resources/node-view';
import { AT, counterNonces, FakeView, res } from './stream-fixtures.spec-helper';
import { TypeUrl } from '../resources/type-url';
import { contentVersion } from '../resources/version-hash';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;
function newStream(): DeltaStream {
  return new DeltaStream(counterNonces());
}

function req(typeUrl: TypeUrl, fields: Partial<Omit<DeltaRequest, 'typeUrl'>> = {}): DeltaRequest {
  return { typeUrl, subscribe: [], unsubscribe: [], initialVersions: {}, responseNonce: '', ...fields };
}

/** A response at a glance: its nonce, name@version of each resource, then -name for each removal. */
function summary(response: DeltaResponse | undefined): string[] {
  if (response === undefined) return [];
  return [response.nonce, ...response.resources.map((r) => `${r.name}@${r.version}`), ...response.removed.map((n) => `-${n}`)];
}

function only(responses: readonly DeltaResponse[]): DeltaResponse {
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

function ack(stream: DeltaStream, response: DeltaResponse, view: NodeView): void {
  expect(stream.handleRequest(req(response.typeUrl, { responseNonce: response.nonce }), view).responses).toEqual([]);
}

describe('DeltaStream', () => {
  describe('wildcard', () => {
    it('treats a first CDS/LDS request with nothing to (un)subscribe as the legacy wildcard, answered even when empty', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'b', '1'), res(CDS, 'a', '1'));
      const cds = only(stream.handleRequest(req(CDS), view).responses);
      expect(cds).toEqual({
        typeUrl: CDS,
        nonce: 'n1',
        systemVersionInfo: contentVersion(cds.resources),
        resources: [view.resources(CDS).get('a'), view.resources(CDS).get('b')],
        removed: [],
      });
      expect(summary(only(stream.handleRequest(req(LDS), view).responses))).toEqual(['n2']);
      expect(stream.subscriptions().map((s) => s.wildcard)).toEqual([true, true]);
    });

    it('honours an explicit "*" for CDS/LDS only, and ends it when "*" is unsubscribed', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'), res(EDS, 'a', '1'));
      const cds = only(stream.handleRequest(req(CDS, { subscribe: ['*', 'a'] }), view).responses);
      expect(summary(cds)).toEqual(['n1', 'a@1', 'b@1']);
      expect(stream.handleRequest(req(EDS, { subscribe: ['*'] }), view).responses).toEqual([]);
      expect(stream.handleRequest(req(EDS, { subscribe: ['*'] }), view).responses).toEqual([]);
      expect(stream.subscriptions()[1]).toMatchObject({ typeUrl: EDS, wildcard: false, resourceNames: [] });

      ack(stream, cds, view);
      stream.handleRequest(req(CDS, { unsubscribe: ['*'] }), view);
      expect(stream.subscriptions()[0]).toMatchObject({ wildcard: false, resourceNames: ['a'] });
      expect(summary(only(stream.handleViewChange(view.put(res(CDS, 'a', '2'), res(CDS, 'b', '2')))))).toEqual(['n2', 'a@2']);
    });

    it('answers unsubscribing an explicit name that the wildcard still covers (the spec exception)', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'));
      const sent = only(stream.handleRequest(req(CDS, { subscribe: ['*', 'a'] }), view).responses);
      ack(stream, sent, view);
      expect(summary(only(stream.handleRequest(req(CDS, { unsubscribe: ['a'] }), view).responses))).toEqual(['n2', 'a@1']);
    });
  });

  describe('subscriptions', () => {
    it('honours subscribe and unsubscribe even when the nonce is stale', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const first = only(stream.handleRequest(req(EDS, { subscribe: ['a'] }), view).responses);
      only(stream.handleViewChange(view.put(res(EDS, 'a', '2'))));
      const outcome = stream.handleRequest(req(EDS, { subscribe: ['b'], unsubscribe: ['a'], responseNonce: first.nonce }), view);
      expect(summary(only(outcome.responses))).toEqual(['n3', 'b@1']);
      expect(stream.subscriptions()[0]?.resourceNames).toEqual(['b']);
    });

    it('always answers a subscribe, even for a name the client already holds at the latest version', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'));
      const sent = only(stream.handleRequest(req(EDS, { subscribe: ['a'] }), view).responses);
      ack(stream, sent, view);
      expect(summary(only(stream.handleRequest(req(EDS, { subscribe: ['a'] }), view).responses))).toEqual(['n2', 'a@1']);
    });

    it('needs no answer to an unsubscribe, and stops sending that name', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const sent = only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses);
      ack(stream, sent, view);
      expect(stream.handleRequest(req(EDS, { unsubscribe: ['a'] }), view).responses).toEqual([]);
      expect(stream.handleViewChange(view.put(res(EDS, 'a', '2')))).toEqual([]);
      expect(stream.handleViewChange(view.remove(EDS, 'a'))).toEqual([]);
    });
  });

  describe('initial_resource_versions', () => {
    it('does not resend what the client already holds on reconnect, but still answers the subscribe', () => {
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '2'), res(EDS, 'c', '1'));
      const outcome = newStream().handleRequest(req(EDS, { subscribe: ['a', 'b', 'c'], initialVersions: { a: '1', b: '1' } }), view);
      expect(summary(only(outcome.responses))).toEqual(['n1', 'b@2', 'c@1']);

      const unchanged = newStream().handleRequest(req(EDS, { subscribe: ['a'], initialVersions: { a: '1' } }), view);
      expect(summary(only(unchanged.responses))).toEqual(['n1']);
    });

    it('tells a reconnecting wildcard client about resources deleted while it was away', () => {
      const view = new FakeView(res(CDS, 'a', '1'));
      const outcome = newStream().handleRequest(req(CDS, { initialVersions: { a: '1', gone: '7' } }), view);
      expect(summary(only(outcome.responses))).toEqual(['n1', '-gone']);
    });

    it('is only read on the first request of a type', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a'] }), view).responses), view);
      const later = stream.handleRequest(req(EDS, { subscribe: ['b'], initialVersions: { b: '1' } }), view);
      expect(summary(only(later.responses))).toEqual(['n2', 'b@1']);
    });
  });

  describe('removed_resources', () => {
    it('lists a deleted resource only if the client holds it', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      const sent = only(stream.handleRequest(req(CDS), view).responses);
      ack(stream, sent, view);

      // Existed only between two looks at the view, so the client never got it.
      view.put(res(CDS, 'never-sent', '1'));
      view.remove(CDS, 'never-sent');
      expect(stream.handleViewChange(view, undefined)).toEqual([]);
      const added = only(stream.handleViewChange(view.put(res(CDS, 'c', '1'))));
      ack(stream, added, view);
      expect(summary(only(stream.handleViewChange(view.remove(CDS, 'a'))))).toEqual(['n3', '-a']);
    });

    it('signals "does not exist" once for an explicitly subscribed name that does not exist', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'));
      const sent = only(stream.handleRequest(req(EDS, { subscribe: ['a', 'missing'] }), view).responses);
      expect(summary(sent)).toEqual(['n1', 'a@1', '-missing']);
      ack(stream, sent, view);
      expect(summary(only(stream.handleViewChange(view.put(res(EDS, 'a', '2')))))).toEqual(['n2', 'a@2']);
      expect(summary(only(stream.handleViewChange(view.put(res(EDS, 'missing', '1')))))).toEqual(['n3', 'a@2', 'missing@1']);
    });

    it('never lists a name in both resources and removed', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(CDS), view).responses), view);
      const removal = only(stream.handleViewChange(view.remove(CDS, 'a')));
      expect(summary(removal)).toEqual(['n2', '-a']);
      // 'a' comes back before the removal was answered: the new response must not also remove it.
      const back = only(stream.handleViewChange(view.put(res(CDS, 'a', '1'))));
      expect(summary(back)).toEqual(['n3', 'a@1']);
      const names = back.resources.map((r) => r.name);
      expect(back.removed.filter((n) => names.includes(n))).toEqual([]);
    });
  });

  describe('ACK and NACK', () => {
    it('records the ACKed system version of the answered response', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'));
      const sent = only(stream.handleRequest(req(CDS), view).responses);
      const outcome = stream.handleRequest(req(CDS, { responseNonce: sent.nonce }), view);
      expect(outcome).toEqual({ responses: [], ackedVersion: sent.systemVersionInfo, subscriptionChanged: false });
      expect(stream.ackedVersion(CDS)).toBe(contentVersion([{ name: 'a', version: '1' }]));
    });

    it('records a NACK (error_detail); the proxy keeps what it last ACKed, so the next change resends the rejected resource with it, never the rejected response as it was', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(CDS), view).responses), view);
      const bad = only(stream.handleViewChange(view.put(res(CDS, 'b', '2'))));

      const error = { code: 13, message: 'cluster b: bad lb policy' };
      const outcome = stream.handleRequest(req(CDS, { responseNonce: bad.nonce, errorDetail: error }), view);
      const record = { typeUrl: CDS, rejectedVersion: bad.systemVersionInfo, resourceNames: ['b'], error, at: AT };
      expect(outcome).toEqual({ responses: [], nack: record, subscriptionChanged: false });
      expect(stream.lastNack(CDS)).toEqual(record);

      expect(stream.handleViewChange(view)).toEqual([]);
      const unrelated = only(stream.handleViewChange(view.put(res(CDS, 'c', '1'))));
      expect(summary(unrelated)).toEqual(['n3', 'b@2', 'c@1']);
      ack(stream, unrelated, view);
      expect(summary(only(stream.handleViewChange(view.put(res(CDS, 'b', '3')))))).toEqual(['n4', 'b@3']);
    });
  });

  describe('system_version_info', () => {
    it('is a content hash of everything the type holds after the response, whatever the stream', () => {
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const stream = newStream();
      const sent = only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses);
      ack(stream, sent, view);
      const update = only(stream.handleViewChange(view.put(res(EDS, 'b', '2'))));
      expect(summary(update)).toEqual(['n2', 'b@2']);
      expect(update.systemVersionInfo).toBe(
        contentVersion([
          { name: 'a', version: '1' },
          { name: 'b', version: '2' },
        ]),
      );
      const fresh = only(newStream().handleRequest(req(EDS, { subscribe: ['b', 'a'] }), view).responses);
      expect(fresh.systemVersionInfo).toBe(update.systemVersionInfo);
    });
  });

  describe('cluster changes', () => {
    it('resend the CLA of a changed cluster even though the CLA did not change', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'), res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(CDS), view).responses), view);
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses), view);

      const [cds, eds, ...rest] = stream.handleViewChange(view.put(res(CDS, 'a', '2')));
      expect(rest).toEqual([]);
      expect([cds?.typeUrl, ...summary(cds)]).toEqual([CDS, 'n3', 'a@2']);
      expect([eds?.typeUrl, ...summary(eds)]).toEqual([EDS, 'n4', 'a@1']);
    });

    it('keep resending that CLA until the client answers, even when a newer EDS response replaces it', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(CDS), view).responses), view);
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses), view);
      const [, resend] = stream.handleViewChange(view.put(res(CDS, 'a', '2')));
      expect(summary(resend)).toEqual(['n4', 'a@1']);
      expect(summary(only(stream.handleViewChange(view.put(res(EDS, 'b', '2')))))).toEqual(['n5', 'a@1', 'b@2']);
    });
  });

  describe('responses superseded in the outbound queue', () => {
    it('carry what the unanswered response before them carried, and only the newest is current', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses), view);
      const first = only(stream.handleViewChange(view.put(res(EDS, 'a', '2'))));
      const second = only(stream.handleViewChange(view.put(res(EDS, 'b', '2'))));
      expect([summary(first), summary(second)]).toEqual([
        ['n2', 'a@2'],
        ['n3', 'a@2', 'b@2'],
      ]);
      expect([stream.stillCurrent(first), stream.stillCurrent(second)]).toEqual([false, true]);

      // An ACK of the older one settles nothing; the newer one is still owed an answer.
      expect(stream.handleRequest(req(EDS, { responseNonce: first.nonce }), view).ackedVersion).toBe(first.systemVersionInfo);
      expect(stream.subscriptions()[0]?.awaitingNonce).toBe('n3');
    });

    it('replace a pending response that holds a name the client has since unsubscribed', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses), view);
      const pending = only(stream.handleViewChange(view.put(res(EDS, 'a', '2'), res(EDS, 'b', '2'))));
      const outcome = stream.handleRequest(req(EDS, { unsubscribe: ['a'] }), view);
      expect(stream.stillCurrent(pending)).toBe(false);
      expect(summary(only(outcome.responses))).toEqual(['n3', 'b@2']);
    });

    it('drop a pending response without replacement when nothing subscribed is left in it', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['a', 'b'] }), view).responses), view);
      const pending = only(stream.handleViewChange(view.put(res(EDS, 'a', '2'))));
      expect(stream.handleRequest(req(EDS, { unsubscribe: ['a'] }), view).responses).toEqual([]);
      expect(stream.stillCurrent(pending)).toBe(false);
      expect(stream.subscriptions()[0]?.awaitingNonce).toBeUndefined();
    });
  });

  describe('make-before-break', () => {
    /** A client holding clusters `old` (with endpoints) and `kept`, and route `r`, all ACKed. */
    function settled(): { stream: DeltaStream; view: FakeView } {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'old', '1'), res(CDS, 'kept', '1'), res(EDS, 'old', '1'), res(RDS, 'r', '1'));
      ack(stream, only(stream.handleRequest(req(CDS), view).responses), view);
      ack(stream, only(stream.handleRequest(req(EDS, { subscribe: ['old'] }), view).responses), view);
      ack(stream, only(stream.handleRequest(req(RDS, { subscribe: ['r'] }), view).responses), view);
      return { stream, view };
    }
    const moved = (view: FakeView): FakeView => view.remove(CDS, 'old').remove(EDS, 'old').put(res(CDS, 'new', '1'), res(RDS, 'r', '2'));
    const everything = new Map([
      [CDS, new Set(['old', 'new'])],
      [EDS, new Set(['old'])],
      [RDS, new Set(['r'])],
    ]);

    it('keeps a dropped cluster and its endpoints until the route that stops naming it is answered', () => {
      const { stream, view } = settled();
      const responses = stream.handleViewChange(moved(view), everything);
      // Routes are built first, so they take the lower nonce; responses still come in push order.
      expect(responses.map(summary)).toEqual([
        ['n5', 'new@1'],
        ['n4', 'r@2'],
      ]);
      expect(stream.releaseRetained(view)).toEqual([]);
      ack(stream, responses[0]!, view);
      expect(stream.releaseRetained(view)).toEqual([]);
      ack(stream, responses[1]!, view);
      expect(stream.releaseRetained(view).map(summary)).toEqual([
        ['n6', '-old'],
        ['n7', '-old'],
      ]);
      expect(stream.releaseRetained(view)).toEqual([]);
    });

    it('keeps them when the route was sent by an earlier change and is still unanswered', () => {
      const { stream, view } = settled();
      only(stream.handleViewChange(view.put(res(RDS, 'r', '2')), new Map([[RDS, new Set(['r'])]])));
      view.remove(CDS, 'old').remove(EDS, 'old');
      expect(stream.handleViewChange(view, new Map([[CDS, new Set(['old'])], [EDS, new Set(['old'])]]))).toEqual([]);
      expect(stream.subscriptions().map((s) => s.awaitingNonce)).toEqual([undefined, undefined, 'n4']);
    });

    it('removes a dropped cluster at once when no listener or route is on its way', () => {
      const { stream, view } = settled();
      view.remove(CDS, 'old').remove(EDS, 'old');
      const responses = stream.handleViewChange(view, new Map([[CDS, new Set(['old'])], [EDS, new Set(['old'])]]));
      expect(responses.map(summary)).toEqual([
        ['n4', '-old'],
        ['n5', '-old'],
      ]);
    });

    it('removes nothing when a retained cluster is back by the time the route is answered', () => {
      const { stream, view } = settled();
      const responses = stream.handleViewChange(moved(view), everything);
      for (const response of responses) ack(stream, response, view);
      view.put(res(CDS, 'old', '1'), res(EDS, 'old', '1'));
      expect(stream.releaseRetained(view)).toEqual([]);
      expect(stream.handleViewChange(view, new Map([[CDS, new Set(['old'])]]))).toEqual([]);
    });
  });
});
