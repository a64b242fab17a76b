import { status } from '@grpc/grpc-js';
import pino from 'pino';
import { ConsulHttpError } from '../consul/consul-errors';
import type { ConsulPoster } from '../consul/acl-authorize';
import type { ConsulResponse } from '../consul/consul-transport';
import type { StreamDenial, StreamPeer } from '../xds/stream-authorizer';
import { ConsulStreamAuthorizer } from './consul-stream-authorizer';

/** Consul's /v1/internal/acl/authorize as a table: token → services it may write; `null` = ACLs off. */
class FakeAcls implements ConsulPoster {
  readonly address = 'http://consul.test';
  calls = 0;
  constructor(public grants: Map<string, string[]> | null) {}

  async post(_request: unknown, body: unknown, token: string | undefined): Promise<ConsulResponse> {
    this.calls += 1;
    if (this.grants === null) throw new ConsulHttpError(this.address, '/v1/internal/acl/authorize', 401, 'ACL support disabled', 'POST');
    if (token !== undefined && !this.grants.has(token)) throw new ConsulHttpError(this.address, '/v1/internal/acl/authorize', 403, 'ACL not found', 'POST');
    const [{ Segment }] = body as [{ Segment: string }];
    return { index: undefined, durationMs: 1, body: [{ Allow: token !== undefined && this.grants.get(token)!.includes(Segment) }] };
  }
}

const peer = (service: string, token?: string, address = '127.0.0.1'): StreamPeer => ({ service, token, address });
const authorizer = (acls: FakeAcls, serveSecretsWithoutAcls = false) =>
  new ConsulStreamAuthorizer({ consul: acls, logger: pino({ level: 'silent' }), recheckIntervalMs: 60_000, serveSecretsWithoutAcls });

describe('ConsulStreamAuthorizer', () => {
  it('with ACLs on, allows only a token with service:write on the claimed service', async () => {
    const auth = authorizer(new FakeAcls(new Map([['t-user', ['user']]])));
    await expect(auth.authorize(peer('user', 't-user'))).resolves.toEqual({ allowed: true, secrets: true });
    await expect(auth.authorize(peer('approval', 't-user'))).resolves.toMatchObject({ allowed: false, code: status.PERMISSION_DENIED, reason: expect.stringMatching(/service:write on "approval"/) });
    await expect(auth.authorize(peer('user'))).resolves.toMatchObject({ allowed: false, code: status.UNAUTHENTICATED, reason: expect.stringMatching(/x-consul-token/) });
    await expect(auth.authorize(peer('user', 'forged'))).resolves.toMatchObject({ allowed: false, code: status.UNAUTHENTICATED, reason: expect.stringMatching(/not a Consul ACL token/) });
    auth.close();
  });

  it('without ACLs, serves everyone but gives secrets only to peers on this host, unless the insecure flag is set', async () => {
    const open = authorizer(new FakeAcls(null));
    await expect(open.authorize(peer('approval', undefined, '127.0.0.1'))).resolves.toEqual({ allowed: true, secrets: true });
    await expect(open.authorize(peer('approval', undefined, '::1'))).resolves.toEqual({ allowed: true, secrets: true });
    await expect(open.authorize(peer('approval', undefined, '198.18.0.7'))).resolves.toEqual({ allowed: true, secrets: false });
    expect(open.warning).toBeUndefined();
    const insecure = authorizer(new FakeAcls(null), true);
    await expect(insecure.authorize(peer('approval', undefined, '198.18.0.7'))).resolves.toEqual({ allowed: true, secrets: true });
    expect(insecure.warning).toMatch(/any peer .* private key/);
    open.close();
    insecure.close();
  });

  it('asks Consul once per token and service within an interval (concurrent streams included), and once in all while ACLs are off', async () => {
    const acls = new FakeAcls(new Map([['t', ['user']]]));
    const auth = authorizer(acls);
    await Promise.all(Array.from({ length: 100 }, () => auth.authorize(peer('user', 't'))));
    for (let i = 0; i < 5; i++) await auth.authorize(peer('user', 't'));
    // One probe of whether ACLs are on, one question about the token.
    expect(acls.calls).toBe(2);
    const off = new FakeAcls(null);
    const open = authorizer(off);
    await Promise.all(['a', 'b', 'c'].map((service) => open.authorize(peer(service))));
    expect(off.calls).toBe(1);
    auth.close();
    open.close();
  });

  it('tells the watchers of a token once a re-check no longer allows it, and only those', async () => {
    jest.useFakeTimers();
    try {
      const acls = new FakeAcls(new Map([['t-user', ['user']], ['t-doc', ['document']]]));
      const auth = new ConsulStreamAuthorizer({ consul: acls, logger: pino({ level: 'silent' }), recheckIntervalMs: 1000, serveSecretsWithoutAcls: false });
      const revoked: Array<[string, StreamDenial]> = [];
      auth.watch(peer('user', 't-user'), (d) => revoked.push(['user', d]));
      auth.watch(peer('document', 't-doc'), (d) => revoked.push(['document', d]));
      await jest.advanceTimersByTimeAsync(1000);
      expect(revoked).toEqual([]);
      acls.grants!.delete('t-user');
      await jest.advanceTimersByTimeAsync(1000);
      expect(revoked.map(([service, d]) => [service, d.code])).toEqual([['user', status.UNAUTHENTICATED]]);
      auth.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('re-checks every served stream at once when Consul reports an ACL change, and forgets its earlier answers', async () => {
    const acls = new FakeAcls(new Map([['t-user', ['user']]]));
    const auth = authorizer(acls);
    const revoked: StreamDenial[] = [];
    await auth.authorize(peer('user', 't-user'));
    // As a stream does: it stops watching once it is closed.
    const unwatch = auth.watch(peer('user', 't-user'), (d) => {
      revoked.push(d);
      unwatch();
    });
    acls.grants!.set('t-user', []);
    // Within the 60 s interval the earlier answer would stand; the change makes it stale.
    await expect(auth.authorize(peer('user', 't-user'))).resolves.toMatchObject({ allowed: true });
    auth.aclStateChanged();
    auth.aclStateChanged();
    for (let i = 0; i < 100 && revoked.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(revoked.map((d) => d.code)).toEqual([status.PERMISSION_DENIED]);
    await expect(auth.authorize(peer('user', 't-user'))).resolves.toMatchObject({ allowed: false, code: status.PERMISSION_DENIED });
    auth.close();
  });
});

describe('ConsulStreamAuthorizer while Consul is unreachable', () => {
  class FlakyAcls extends FakeAcls {
    down = false;
    override async post(request: unknown, body: unknown, token: string | undefined): Promise<ConsulResponse> {
      if (this.down) throw new Error('ECONNREFUSED');
      return super.post(request, body, token);
    }
  }

  it('keeps the verdicts Consul gave before (extend-cache), and fails a stream it never judged', async () => {
    const acls = new FlakyAcls(new Map([['t', ['user']]]));
    const auth = new ConsulStreamAuthorizer({ consul: acls, logger: pino({ level: 'silent' }), recheckIntervalMs: 1, serveSecretsWithoutAcls: false });
    await expect(auth.authorize(peer('user', 't'))).resolves.toEqual({ allowed: true, secrets: true });
    await new Promise((r) => setTimeout(r, 5));
    acls.down = true;
    await expect(auth.authorize(peer('user', 't'))).resolves.toEqual({ allowed: true, secrets: true });
    await expect(auth.authorize(peer('approval', 'other'))).rejects.toThrow(/ECONNREFUSED/);
    auth.close();
  });
});
