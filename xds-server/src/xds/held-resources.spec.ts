import { HeldResources } from './held-resources';
import type { Resource } from '../resources/resource';
import { TypeUrl } from '../resources/type-url';

const WILDCARD = { wildcard: true, names: new Set<string>() };
const res = (name: string, version = 'v1'): Resource => ({ typeUrl: TypeUrl.Endpoint, name, version, bytes: Buffer.from(name) });

function view(count: number, version = 'v1'): Map<string, Resource> {
  return new Map(Array.from({ length: count }, (_, i) => [`s${i}`, res(`s${i}`, version)]));
}

function held(h: HeldResources): Record<string, string | undefined> {
  return Object.fromEntries([...h.keys()].sort().map((name) => [name, (v => (typeof v === 'string' ? v : v?.version))(h.get(name))]));
}

describe('HeldResources', () => {
  it('holds what it was given, by resource or by version only', () => {
    const h = new HeldResources(WILDCARD);
    h.set('a', res('a', 'v2'));
    h.set('b', 'v7');
    h.delete('a');
    expect(held(h)).toEqual({ b: 'v7' });
    expect(h.has('a')).toBe(false);
  });

  it('takes a view as its base once its own entries outgrow it, and answers the same after', () => {
    const index = view(200);
    const interest = new Set([...index.keys()].filter((n) => n !== 's5'));
    const h = new HeldResources({ wildcard: false, names: interest });
    // Subscribed to s9 but not sent it yet: the base must not claim it.
    for (const [name, resource] of index) if (interest.has(name) && name !== 's9') h.set(name, resource);
    h.set('s7', res('s7', 'old'));
    const before = held(h);
    h.rebaseOnto(index);
    expect(held(h)).toEqual(before);
    expect(h.get('s5')).toBeUndefined();
    expect(h.has('s9')).toBe(false);
    expect((h.get('s7') as Resource).version).toBe('old');
    expect(h.get('s8')).toBe(index.get('s8'));
  });

  it('masks the base by interest: an unsubscribed name is not held, and a new subscription is not held until sent', () => {
    const index = view(100);
    const interest = new Set(index.keys());
    const h = new HeldResources({ wildcard: false, names: interest });
    for (const [name, resource] of index) h.set(name, resource);
    h.rebaseOnto(index);
    interest.delete('s1');
    h.prune();
    expect(h.has('s1')).toBe(false);
    // The stream forgets before it subscribes again, as DeltaStream does.
    h.delete('s1');
    interest.add('s1');
    expect(h.has('s1')).toBe(false);
    h.set('s1', index.get('s1')!);
    expect(h.get('s1')).toBe(index.get('s1'));
  });

  it('keeps its own entries small while it follows its view, and rebases only when they outgrow a quarter of what it holds', () => {
    const first = view(400);
    const h = new HeldResources(WILDCARD);
    for (const [name, resource] of first) h.set(name, resource);
    h.rebaseOnto(first);
    expect(h.differences).toBe(0);
    // One change per name, each followed as a stream follows its view after the ACK.
    let current = first;
    const follow = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        current = new Map(current);
        current.set(`s${i}`, res(`s${i}`, 'v2'));
        h.set(`s${i}`, current.get(`s${i}`)!);
        h.rebaseOnto(current);
      }
    };
    follow(0, 50);
    // Under a quarter of 400: no rebase yet.
    expect(h.differences).toBe(50);
    follow(50, 101);
    expect(h.differences).toBe(0);
    expect(Object.values(held(h)).filter((v) => v === 'v2')).toHaveLength(101);
  });

  it('detaches from its base, keeping what it holds', () => {
    const index = view(64);
    const h = new HeldResources(WILDCARD);
    for (const [name, resource] of index) h.set(name, resource);
    h.rebaseOnto(index);
    const before = held(h);
    h.detach();
    index.clear();
    expect(held(h)).toEqual(before);
  });
});
