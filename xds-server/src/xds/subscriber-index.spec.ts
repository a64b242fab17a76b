import { SubscriberIndex, type Interest } from './subscriber-index';
import { Subscription } from './subscription';
import { TypeUrl } from '../resources/type-url';

const EDS = TypeUrl.Endpoint;
const CDS = TypeUrl.Cluster;

function subscription(typeUrl: TypeUrl, names: string[], wildcard = false): Subscription {
  const s = new Subscription(typeUrl);
  for (const name of names) s.addName(name);
  s.wildcard = wildcard;
  return s;
}

const changes = (typeUrl: TypeUrl, ...names: string[]) => new Map([[typeUrl, new Set(names)]]);

describe('SubscriberIndex', () => {
  it('finds only the streams subscribed to a changed name, and every wildcard stream of its type', () => {
    const index = new SubscriberIndex<string>();
    index.update('a', EDS, subscription(EDS, ['api', 'web']));
    index.update('b', EDS, subscription(EDS, ['echo']));
    index.update('c', CDS, subscription(CDS, [], true));
    expect([...index.affected(changes(EDS, 'echo'))]).toEqual(['b']);
    expect([...index.affected(changes(EDS, 'web', 'nobody'))]).toEqual(['a']);
    expect([...index.affected(changes(CDS, 'anything'))]).toEqual(['c']);
    expect(index.affected(changes(EDS, 'nobody')).size).toBe(0);
    expect([...index.affected(undefined)].sort()).toEqual(['a', 'b', 'c']);
  });

  it('lets streams with the same interest share one set of names, whatever order they subscribed in', () => {
    const index = new SubscriberIndex<string>();
    const first = subscription(EDS, ['api', 'web', 'echo']);
    const second = subscription(EDS, ['echo', 'api', 'web']);
    const other = subscription(EDS, ['api']);
    index.update('first', EDS, first);
    index.update('second', EDS, second);
    index.update('other', EDS, other);
    expect(second.names).toBe(first.names);
    expect(other.names).not.toBe(first.names);
    expect([...first.names].sort()).toEqual(['api', 'echo', 'web']);
  });

  it('copies a shared set before a stream changes it, so the others keep theirs', () => {
    const index = new SubscriberIndex<string>();
    const first = subscription(EDS, ['api', 'web']);
    const second = subscription(EDS, ['api', 'web']);
    index.update('first', EDS, first);
    index.update('second', EDS, second);
    second.addName('echo');
    index.update('second', EDS, second);
    expect([...first.names].sort()).toEqual(['api', 'web']);
    expect([...second.names].sort()).toEqual(['api', 'echo', 'web']);
    expect([...index.affected(changes(EDS, 'echo'))]).toEqual(['second']);
    expect([...index.affected(changes(EDS, 'api'))].sort()).toEqual(['first', 'second']);
  });

  it('forgets a stream that left, and a group that has no stream left', () => {
    const index = new SubscriberIndex<string>();
    const interest: Interest = { wildcard: false, names: new Set(['api']) };
    index.update('a', EDS, interest);
    index.update('b', EDS, { wildcard: false, names: new Set(['api']) });
    index.remove('a');
    expect([...index.affected(changes(EDS, 'api'))]).toEqual(['b']);
    index.update('b', EDS, undefined);
    expect(index.affected(changes(EDS, 'api')).size).toBe(0);
    expect(index.size).toBe(1);
    index.remove('b');
    expect(index.size).toBe(0);
  });
});
