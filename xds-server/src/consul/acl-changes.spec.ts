import { AclChanges, parseAclListing, type AclWatchEnd } from './acl-changes';
import { ConsulClientTransport } from './consul-client-transport';
import { ConsulResponseError } from './consul-errors';
import { eventually, FakeConsul } from './fake-consul.spec-helper';

const TOKENS = '/v1/acl/tokens';
const POLICIES = '/v1/acl/policies';

describe('parseAclListing', () => {
  it('keeps only ids and modify indexes, in order, never a secret', () => {
    const listed = parseAclListing(
      [
        { AccessorID: 'b', SecretID: 'secret-b', ModifyIndex: 7 },
        { AccessorID: 'a', SecretID: 'secret-a', ModifyIndex: 9 },
      ],
      TOKENS,
    );
    expect(listed).toEqual(['a@9', 'b@7']);
    expect(parseAclListing([{ ID: 'p', Name: 'global-management', ModifyIndex: 4 }], POLICIES)).toEqual(['p@4']);
  });

  it('names the field of a listing it cannot read', () => {
    expect(() => parseAclListing([{ AccessorID: 'a' }], TOKENS)).toThrow(ConsulResponseError);
    expect(() => parseAclListing([{ AccessorID: 'a' }], TOKENS)).toThrow(/\[0\]\.ModifyIndex/);
  });
});

describe('AclChanges against a fake Consul', () => {
  let consul: FakeConsul;
  let watch: AclChanges | undefined;
  let transport: ConsulClientTransport | undefined;

  beforeEach(async () => {
    consul = await FakeConsul.start();
  });
  afterEach(async () => {
    await watch?.stop();
    transport?.close();
    await consul.close();
  });

  function follow() {
    const events = { changes: 0, ends: [] as AclWatchEnd[], errors: 0 };
    transport = new ConsulClientTransport(consul.address);
    watch = new AclChanges({
      transport,
      onChange: () => (events.changes += 1),
      onEnd: (why) => events.ends.push(why),
      onError: () => (events.errors += 1),
    });
    watch.start();
    return events;
  }

  it('reports a write to tokens or policies, but not the first answers nor an index that moved for nothing', async () => {
    consul.set(TOKENS, [{ AccessorID: 'a', SecretID: 's', ModifyIndex: 1 }]);
    consul.set(POLICIES, [{ ID: 'p', ModifyIndex: 1 }]);
    const events = follow();
    await eventually('both tables followed', () => consul.blockedOn(TOKENS) + consul.blockedOn(POLICIES) === 2);
    expect(events.changes).toBe(0);

    const asked = consul.searches(TOKENS).length;
    consul.touch(TOKENS);
    await eventually('the touched table asked again', () => consul.searches(TOKENS).length > asked && consul.blockedOn(TOKENS) === 1);
    expect(events.changes).toBe(0);

    consul.set(TOKENS, []);
    await eventually('the token change', () => events.changes === 1);
    consul.set(POLICIES, [{ ID: 'p', ModifyIndex: 2 }]);
    await eventually('the policy change', () => events.changes === 2);
    expect(events.errors).toBe(0);
  });

  it('ends, saying why, when ACLs are off or its token may not read them', async () => {
    consul.script(TOKENS, { status: 401, body: 'ACL support disabled' });
    consul.set(POLICIES, []);
    const off = follow();
    await eventually('the end without ACLs', () => off.ends.length > 0);
    expect(off.ends).toEqual(['acls-disabled']);
    await watch!.stop();
    transport!.close();

    consul.script(TOKENS, { status: 403, body: 'Permission denied: token lacks permission acl:read' });
    const denied = follow();
    await eventually('the end without acl:read', () => denied.ends.length > 0);
    expect(denied.ends).toEqual(['no-acl-read']);
    const asked = consul.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(consul.requests.length).toBe(asked);
  });
});
