import { AT, counterNonces, FakeView, res } from './stream-fixtures.spec-helper';
import { SotwStream, type SotwRequest, type SotwResponse } from './sotw-stream';
import { TypeUrl } from '../resources/type-url';
import { contentVersion } from '../resources/version-hash';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.Endpoint;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.Route;
function newStream(): SotwStream {
  return new SotwStream(counterNonces());
}

function req(typeUrl: TypeUrl, resourceNames: string[], responseNonce = '', versionInfo = '', errorDetail?: { code: number; message: string }): SotwRequest {
  return { typeUrl, resourceNames, responseNonce, versionInfo, errorDetail };
}

/** name@version of each resource, to compare responses at a glance. */
function content(response: SotwResponse | undefined): string[] {
  return (response?.resources ?? []).map((r) => `${r.name}@${r.version}`);
}

function only(responses: readonly SotwResponse[]): SotwResponse {
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('SotwStream', () => {
  describe('full-state types (CDS, LDS)', () => {
    it('answers a legacy wildcard request with every resource, sorted, versioned by content', () => {
      const view = new FakeView(res(CDS, 'b', '2'), res(CDS, 'a', '1'), res(EDS, 'a', '9'));
      const response = only(newStream().handleRequest(req(CDS, []), view).responses);
      expect(response).toEqual({
        typeUrl: CDS,
        nonce: 'n1',
        versionInfo: contentVersion([
          { name: 'a', version: '1' },
          { name: 'b', version: '2' },
        ]),
        resources: [view.resources(CDS).get('a'), view.resources(CDS).get('b')],
      });
    });

    it('always answers the first request, even with zero resources', () => {
      const stream = newStream();
      const cds = only(stream.handleRequest(req(CDS, []), new FakeView()).responses);
      const lds = only(stream.handleRequest(req(LDS, []), new FakeView()).responses);
      expect([cds.nonce, cds.resources, cds.versionInfo]).toEqual(['n1', [], contentVersion([])]);
      expect([lds.nonce, lds.resources]).toEqual(['n2', []]);
    });

    it('sends the complete set on every change, and omits deleted resources', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'), res(CDS, 'c', '1'));
      stream.handleRequest(req(CDS, []), view);
      stream.handleRequest(req(CDS, [], 'n1', 'v'), view);

      view.put(res(CDS, 'b', '2'));
      const changed = only(stream.handleViewChange(view, undefined));
      expect(content(changed)).toEqual(['a@1', 'b@2', 'c@1']);

      stream.handleRequest(req(CDS, [], changed.nonce, changed.versionInfo), view);
      view.remove(CDS, 'a');
      expect(content(only(stream.handleViewChange(view, undefined)))).toEqual(['b@2', 'c@1']);
    });

    it('ends the legacy wildcard once a name was requested; an empty list then unsubscribes all', () => {
      const stream = newStream();
      const view = new FakeView(res(LDS, 'a', '1'), res(LDS, 'b', '1'));
      stream.handleRequest(req(LDS, []), view);
      const named = only(stream.handleRequest(req(LDS, ['a'], 'n1', 'v1'), view).responses);
      expect(content(named)).toEqual(['a@1']);
      expect(stream.subscriptions()[0]).toMatchObject({ wildcard: false, resourceNames: ['a'] });

      expect(stream.handleRequest(req(LDS, [], named.nonce, named.versionInfo), view).responses).toEqual([]);
      expect(stream.subscriptions()[0]).toMatchObject({ wildcard: false, resourceNames: [] });
      view.put(res(LDS, 'a', '2'), res(LDS, 'c', '1'));
      expect(stream.handleViewChange(view, undefined)).toEqual([]);
    });

    it('treats "*" as an explicit wildcard, alone or with names, and a later list without it as no wildcard', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      const all = only(stream.handleRequest(req(CDS, ['*', 'a']), view).responses);
      expect(content(all)).toEqual(['a@1', 'b@1']);
      expect(stream.subscriptions()[0]).toMatchObject({ wildcard: true, resourceNames: ['a'] });

      stream.handleRequest(req(CDS, ['a'], all.nonce, all.versionInfo), view);
      view.put(res(CDS, 'a', '2'), res(CDS, 'b', '2'));
      expect(content(only(stream.handleViewChange(view, undefined)))).toEqual(['a@2']);
    });

    it('sends a gRPC client (explicit names) the full set of its names, and answers a newly added name', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'), res(CDS, 'c', '1'));
      const first = only(stream.handleRequest(req(CDS, ['a']), view).responses);
      expect(content(first)).toEqual(['a@1']);
      const second = only(stream.handleRequest(req(CDS, ['a', 'b'], first.nonce, first.versionInfo), view).responses);
      expect(content(second)).toEqual(['a@1', 'b@1']);
      // Dropping a name needs no answer: the client forgets it itself.
      expect(stream.handleRequest(req(CDS, ['b'], second.nonce, second.versionInfo), view).responses).toEqual([]);
    });
  });

  describe('versions', () => {
    it('are a content hash: equal on independent streams (restarts, replicas), different for different content', () => {
      const viewA = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      const viewB = new FakeView(res(CDS, 'b', '1'), res(CDS, 'a', '1'));
      const one = only(newStream().handleRequest(req(CDS, []), viewA).responses);
      const other = only(new SotwStream({ newNonce: () => 'x' }).handleRequest(req(CDS, []), viewB).responses);
      expect(other.versionInfo).toBe(one.versionInfo);
      expect(one.versionInfo).toMatch(/^[0-9a-f]{16}$/);

      const changed = only(newStream().handleRequest(req(CDS, []), viewA.put(res(CDS, 'b', '2'))).responses);
      expect(changed.versionInfo).not.toBe(one.versionInfo);
    });
  });

  describe('nonces', () => {
    it('ignores a request whose nonce is not the latest one sent for its type, including its name changes', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const first = only(stream.handleRequest(req(EDS, ['a']), view).responses);
      view.put(res(EDS, 'a', '2'));
      const second = only(stream.handleViewChange(view, undefined));
      expect([first.nonce, second.nonce]).toEqual(['n1', 'n2']);

      const stale = stream.handleRequest(req(EDS, ['a', 'b'], 'n1', first.versionInfo), view);
      expect(stale).toEqual({ responses: [], ignored: 'stale-nonce' });
      expect(stream.ackedVersion(EDS)).toBeUndefined();
      expect(stream.subscriptions()[0]).toMatchObject({ resourceNames: ['a'], awaitingNonce: 'n2' });

      const fresh = stream.handleRequest(req(EDS, ['a', 'b'], 'n2', second.versionInfo), view);
      expect(content(only(fresh.responses))).toEqual(['b@1']);
    });

    it('treats an empty nonce as stale once a response was sent', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      stream.handleRequest(req(EDS, ['a']), view);
      expect(stream.handleRequest(req(EDS, ['a', 'b']), view).ignored).toBe('stale-nonce');
    });

    it('accepts any nonce before the first response of a type (a client reconnecting with an old one)', () => {
      const view = new FakeView(res(CDS, 'a', '1'));
      const outcome = newStream().handleRequest(req(CDS, [], 'nonce-from-old-stream', 'old-version'), view);
      expect(outcome.ignored).toBeUndefined();
      expect(content(only(outcome.responses))).toEqual(['a@1']);
    });
  });

  describe('ACK and NACK', () => {
    it('records the ACKed version per type and sends nothing when nothing changed', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(EDS, 'a', '1'));
      const cds = only(stream.handleRequest(req(CDS, []), view).responses);
      const ack = stream.handleRequest(req(CDS, [], cds.nonce, cds.versionInfo), view);
      expect(ack).toEqual({ responses: [], ackedVersion: cds.versionInfo, nack: undefined, subscriptionChanged: false });
      expect(stream.ackedVersion(CDS)).toBe(cds.versionInfo);
      expect(stream.ackedVersion(EDS)).toBeUndefined();
    });

    it('detects a NACK by error_detail only, records it, and does not resend the rejected content', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'));
      const first = only(stream.handleRequest(req(CDS, []), view).responses);
      stream.handleRequest(req(CDS, [], first.nonce, first.versionInfo), view);
      view.put(res(CDS, 'b', '2'));
      const bad = only(stream.handleViewChange(view, undefined));

      // gRPC clients may even report the new version together with the error.
      const error = { code: 13, message: 'cluster b: bad lb policy' };
      const outcome = stream.handleRequest(req(CDS, [], bad.nonce, bad.versionInfo, error), view);
      const record = { typeUrl: CDS, rejectedVersion: bad.versionInfo, resourceNames: ['a', 'b'], error, at: AT };
      expect(outcome).toEqual({ responses: [], ackedVersion: undefined, nack: record, subscriptionChanged: false });
      expect(stream.lastNack(CDS)).toEqual(record);
      expect(stream.ackedVersion(CDS)).toBe(first.versionInfo);

      // Other types changing, or a view change with the same content, must not resend it.
      expect(stream.handleViewChange(view.put(res(EDS, 'a', '1')))).toEqual([]);
      view.put(res(CDS, 'b', '3'));
      expect(content(only(stream.handleViewChange(view, undefined)))).toEqual(['a@1', 'b@3']);
    });

    it('treats a request without error_detail as an ACK even when its version differs from the one sent', () => {
      const stream = newStream();
      const view = new FakeView(res(LDS, 'a', '1'));
      const sent = only(stream.handleRequest(req(LDS, []), view).responses);
      const outcome = stream.handleRequest(req(LDS, [], sent.nonce, 'something-else'), view);
      expect([outcome.ackedVersion, outcome.nack]).toEqual(['something-else', undefined]);
    });

    it('after a NACK, sends at the next change what differs from the last ACKed state, the good resource included', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const sent = only(stream.handleRequest(req(EDS, ['a', 'b']), view).responses);
      stream.handleRequest(req(EDS, ['a', 'b'], sent.nonce, '', { code: 13, message: 'weight 0' }), view);
      // The rejected response is not resent as it was...
      expect(stream.handleViewChange(view, new Map([[EDS, new Set(['a', 'b'])]]))).toEqual([]);
      // ...but the next change carries every name the client does not hold, `a` too.
      view.put(res(EDS, 'b', '2'));
      expect(content(only(stream.handleViewChange(view, new Map([[EDS, new Set(['b'])]]))))).toEqual(['a@1', 'b@2']);
    });
  });

  describe('per-name types (EDS, RDS)', () => {
    it('sends only subscribed names, and only the changed ones on an update', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'), res(EDS, 'c', '1'));
      const first = only(stream.handleRequest(req(EDS, ['a', 'b']), view).responses);
      expect(content(first)).toEqual(['a@1', 'b@1']);
      stream.handleRequest(req(EDS, ['a', 'b'], first.nonce, first.versionInfo), view);

      view.put(res(EDS, 'b', '2'), res(EDS, 'c', '2'));
      const update = only(stream.handleViewChange(view, undefined));
      expect(content(update)).toEqual(['b@2']);
      expect(update.versionInfo).not.toBe(first.versionInfo);
    });

    it("versions a response by the view's content, so a subscription grown step by step ends at the version of one made at once", () => {
      const view = new FakeView(res(RDS, 'a', '1'), res(RDS, 'b', '1'));
      const stepwise = newStream();
      const first = only(stepwise.handleRequest(req(RDS, ['a']), view).responses);
      const grown = only(stepwise.handleRequest(req(RDS, ['a', 'b'], first.nonce, first.versionInfo), view).responses);
      expect(content(grown)).toEqual(['b@1']);
      const atOnce = only(newStream().handleRequest(req(RDS, ['a', 'b']), view).responses);
      expect(content(atOnce)).toEqual(['a@1', 'b@1']);
      expect(grown.versionInfo).toBe(atOnce.versionInfo);
      expect(atOnce.versionInfo).toBe(contentVersion(view.resources(RDS).sorted()));
    });

    it('answers a newly subscribed name even though the version did not change (EDS after CDS)', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const first = only(stream.handleRequest(req(EDS, ['a']), view).responses);
      const added = only(stream.handleRequest(req(EDS, ['a', 'b'], first.nonce, first.versionInfo), view).responses);
      expect(content(added)).toEqual(['b@1']);
    });

    it('answers a re-subscribed name even though the client had it before', () => {
      const stream = newStream();
      const view = new FakeView(res(RDS, 'r', '1'));
      const first = only(stream.handleRequest(req(RDS, ['r']), view).responses);
      expect(stream.handleRequest(req(RDS, [], first.nonce, first.versionInfo), view).responses).toEqual([]);
      const again = only(stream.handleRequest(req(RDS, ['r'], first.nonce, first.versionInfo), view).responses);
      expect([again.nonce, ...content(again)]).toEqual(['n2', 'r@1']);
    });

    it('holds what it ACKed as the view plus its own differences: a change still sends only itself, a re-subscribed name is sent again', () => {
      // More names than a held-resources base folds in at once, so the ACK rebases onto the view.
      const names = Array.from({ length: 100 }, (_, i) => `e${String(i).padStart(2, '0')}`);
      const view = new FakeView(...names.map((name) => res(EDS, name, '1')));
      const stream = newStream();
      const first = only(stream.handleRequest(req(EDS, names), view).responses);
      expect(first.resources).toHaveLength(100);
      expect(stream.handleRequest(req(EDS, names, first.nonce, first.versionInfo), view).responses).toEqual([]);

      view.put(res(EDS, 'e05', '2'));
      const change = only(stream.handleViewChange(view, undefined));
      expect(content(change)).toEqual(['e05@2']);
      stream.handleRequest(req(EDS, names, change.nonce, change.versionInfo), view);

      const without = names.filter((name) => name !== 'e07');
      expect(stream.handleRequest(req(EDS, without, change.nonce, change.versionInfo), view).responses).toEqual([]);
      const again = only(stream.handleRequest(req(EDS, names, change.nonce, change.versionInfo), view).responses);
      expect(content(again)).toEqual(['e07@1']);
      view.put(res(EDS, 'e50', '2'));
      stream.handleRequest(req(EDS, names, again.nonce, again.versionInfo), view);
      expect(content(only(stream.handleViewChange(view, undefined)))).toEqual(['e50@2']);
    });

    it("compares a request's names by their encoded bytes when it has them, and as a set when the bytes differ", () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const keyed = (names: string[], nonce = '', version = ''): SotwRequest => ({ ...req(EDS, names, nonce, version), resourceNamesKey: Buffer.from(names.join('\n')) });
      const first = only(stream.handleRequest(keyed(['a', 'b']), view).responses);
      const ack = stream.handleRequest(keyed(['a', 'b'], first.nonce, first.versionInfo), view);
      expect([ack.responses, ack.subscriptionChanged]).toEqual([[], false]);
      // Other bytes, same names: the subscription is compared as a set and is unchanged.
      const reordered = stream.handleRequest(keyed(['b', 'a'], first.nonce, first.versionInfo), view);
      expect([reordered.responses, reordered.subscriptionChanged]).toEqual([[], false]);
      const narrowed = stream.handleRequest(keyed(['a'], first.nonce, first.versionInfo), view);
      expect(narrowed.subscriptionChanged).toBe(true);
      expect(stream.subscriptions().find((s) => s.typeUrl === EDS)?.resourceNames).toEqual(['a']);
    });

    it('treat "*" as no name at all rather than a wildcard', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, '*', '1'));
      const sent = only(stream.handleRequest(req(EDS, ['*', 'a']), view).responses);
      expect(content(sent)).toEqual(['a@1']);
      expect(stream.subscriptions()[0]).toMatchObject({ wildcard: false, resourceNames: ['a'] });
    });

    it('does not answer names that do not exist yet, and sends them when they appear', () => {
      const stream = newStream();
      const view = new FakeView();
      expect(stream.handleRequest(req(EDS, ['a']), view).responses).toEqual([]);
      view.put(res(EDS, 'a', '1'));
      expect(content(only(stream.handleViewChange(view, undefined)))).toEqual(['a@1']);
    });
  });

  describe('view changes', () => {
    it('produces responses only for types whose subscribed content changed, in push order', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'c', '1'), res(EDS, 'c', '1'), res(LDS, 'l', '1'), res(RDS, 'r', '1'));
      for (const [typeUrl, names] of [[CDS, []], [EDS, ['c']], [LDS, []], [RDS, ['r']]] as const) {
        const sent = only(stream.handleRequest(req(typeUrl, [...names]), view).responses);
        stream.handleRequest(req(typeUrl, [...names], sent.nonce, sent.versionInfo), view);
      }
      expect(stream.handleViewChange(view.put(res(EDS, 'unwatched', '1')))).toEqual([]);
      expect(stream.handleViewChange(view.put(res(RDS, 'r', '2'), res(LDS, 'l', '2'), res(EDS, 'c', '2'))).map((r) => r.typeUrl)).toEqual([
        EDS,
        LDS,
        RDS,
      ]);
    });

    it('resends the CLA of a changed cluster even though the CLA did not change', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'a', '1'), res(CDS, 'b', '1'), res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const cds = only(stream.handleRequest(req(CDS, []), view).responses);
      stream.handleRequest(req(CDS, [], cds.nonce, cds.versionInfo), view);
      const eds = only(stream.handleRequest(req(EDS, ['a', 'b']), view).responses);
      stream.handleRequest(req(EDS, ['a', 'b'], eds.nonce, eds.versionInfo), view);

      const [cdsUpdate, edsUpdate, ...rest] = stream.handleViewChange(view.put(res(CDS, 'a', '2')));
      expect(rest).toEqual([]);
      expect([cdsUpdate?.typeUrl, ...content(cdsUpdate)]).toEqual([CDS, 'a@2', 'b@1']);
      expect([edsUpdate?.typeUrl, ...content(edsUpdate)]).toEqual([EDS, 'a@1']);
    });
  });

  describe('responses superseded in the outbound queue', () => {
    it('are no longer current once a newer response of the type exists', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'));
      const first = only(stream.handleRequest(req(EDS, ['a']), view).responses);
      expect(stream.stillCurrent(first)).toBe(true);
      const second = only(stream.handleViewChange(view.put(res(EDS, 'a', '2'))));
      expect([stream.stillCurrent(first), stream.stillCurrent(second)]).toEqual([false, true]);
      expect(stream.stillCurrent({ ...second, typeUrl: RDS })).toBe(false);
    });

    it('carry what the unanswered response before them carried, since that one may never be written', () => {
      const stream = newStream();
      const view = new FakeView(res(EDS, 'a', '1'), res(EDS, 'b', '1'));
      const first = only(stream.handleRequest(req(EDS, ['a', 'b']), view).responses);
      stream.handleRequest(req(EDS, ['a', 'b'], first.nonce, first.versionInfo), view);

      expect(content(only(stream.handleViewChange(view.put(res(EDS, 'a', '2')))))).toEqual(['a@2']);
      expect(content(only(stream.handleViewChange(view.put(res(EDS, 'b', '2')))))).toEqual(['a@2', 'b@2']);
      // Back to what the client confirmed: it may already hold a@2 from an in-flight response, so a@1 goes out.
      expect(content(only(stream.handleViewChange(view.put(res(EDS, 'a', '1')))))).toEqual(['a@1', 'b@2']);
    });
  });

  describe('make-before-break', () => {
    function ackOf(stream: SotwStream, response: SotwResponse, names: string[], view: FakeView): void {
      expect(stream.handleRequest(req(response.typeUrl, names, response.nonce, response.versionInfo), view).responses).toEqual([]);
    }

    it('keeps listing a dropped cluster until the route that stops naming it is answered', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'old', '1'), res(CDS, 'kept', '1'), res(RDS, 'r', '1'));
      ackOf(stream, only(stream.handleRequest(req(CDS, []), view).responses), [], view);
      ackOf(stream, only(stream.handleRequest(req(RDS, ['r']), view).responses), ['r'], view);

      view.remove(CDS, 'old').put(res(CDS, 'new', '1'), res(RDS, 'r', '2'));
      const changes = new Map([
        [CDS, new Set(['old', 'new'])],
        [RDS, new Set(['r'])],
      ]);
      const [cds, rds] = stream.handleViewChange(view, changes);
      expect([content(cds), content(rds)]).toEqual([['kept@1', 'new@1', 'old@1'], ['r@2']]);
      expect(cds?.versionInfo).toBe(contentVersion(cds?.resources ?? []));
      ackOf(stream, cds!, [], view);
      expect(stream.releaseRetained(view)).toEqual([]);

      ackOf(stream, rds!, ['r'], view);
      expect(content(only(stream.releaseRetained(view)))).toEqual(['kept@1', 'new@1']);
    });

    it('omits a dropped cluster at once when no listener or route is on its way', () => {
      const stream = newStream();
      const view = new FakeView(res(CDS, 'old', '1'), res(CDS, 'kept', '1'), res(RDS, 'r', '1'));
      ackOf(stream, only(stream.handleRequest(req(CDS, []), view).responses), [], view);
      view.remove(CDS, 'old');
      expect(content(only(stream.handleViewChange(view, new Map([[CDS, new Set(['old'])]]))))).toEqual(['kept@1']);
    });
  });
});
