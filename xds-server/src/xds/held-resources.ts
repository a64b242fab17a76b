import type { Resource } from '../resources/resource';
import type { Interest } from './subscriber-index';

/** What a client holds by one name: the resource it was sent, or only the version it reported on reconnect. */
export type Held = Resource | string;

/** An own entry for a name the base has but the client does not hold. */
const GONE = Symbol('gone');

/** Own differences below this many are never folded into a new base. */
const MIN_OWN = 32;

/**
 * What one Delta client holds of one type, as of its last ACK.
 *
 * Thousands of clients of one view hold the same resources, so each keeps a shared base (the
 * view's index when the client last caught up with it), masked by what the client subscribes
 * to, plus its own differences from that base. A stream's memory then grows with how far it
 * is behind its view, not with the size of the view, and following a change stays O(changed):
 * the differences are folded into a fresh base only once they outgrow a quarter of what the
 * client holds, so the O(held) rebase is paid once every many changes.
 */
export class HeldResources {
  private base: ReadonlyMap<string, Resource> | undefined;
  private own = new Map<string, Held | typeof GONE>();
  private heldAtRebase = 0;

  /** `interest` is read live: the client's subscription as it stands. */
  constructor(private readonly interest: Interest) {}

  private interested(name: string): boolean {
    return this.interest.wildcard || this.interest.names.has(name);
  }

  /** How many names differ from the base: what this client costs beyond the view it shares. */
  get differences(): number {
    return this.own.size;
  }

  get(name: string): Held | undefined {
    const mine = this.own.get(name);
    if (mine !== undefined) return mine === GONE ? undefined : mine;
    return this.base !== undefined && this.interested(name) ? this.base.get(name) : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, held: Held): void {
    if (this.base?.get(name) === held && this.interested(name)) this.own.delete(name);
    else this.own.set(name, held);
  }

  delete(name: string): void {
    if (this.base?.has(name)) this.own.set(name, GONE);
    else this.own.delete(name);
  }

  *keys(): IterableIterator<string> {
    for (const [name, mine] of this.own) if (mine !== GONE && this.interested(name)) yield name;
    if (this.base) for (const name of this.base.keys()) if (!this.own.has(name) && this.interested(name)) yield name;
  }

  /** Forgets own entries for names no longer subscribed to; the base is masked by interest already. */
  prune(): void {
    for (const name of [...this.own.keys()]) if (!this.interested(name)) this.own.delete(name);
  }

  /** Drops the base, keeping what is held as own entries. */
  detach(): void {
    this.own = this.snapshot();
    this.base = undefined;
    this.heldAtRebase = 0;
  }

  /** Takes `index` (the view's current resources of this type) as the base, when the own differences have outgrown the old one. */
  rebaseOnto(index: ReadonlyMap<string, Resource>): void {
    if (this.own.size <= Math.max(MIN_OWN, this.heldAtRebase / 4)) return;
    this.prune();
    // Without a base every own entry is held (GONE marks only what a base has), so they are taken as they are.
    const held = this.base === undefined ? (this.own as Map<string, Held>) : this.snapshot();
    this.base = index;
    this.own = new Map();
    for (const [name, resource] of held) if (index.get(name) !== resource) this.own.set(name, resource);
    // Subscribed names the view has and the client does not: the smaller side is walked.
    const subscribed = this.interest.wildcard || this.interest.names.size > index.size ? index.keys() : this.interest.names;
    for (const name of subscribed) if (!held.has(name) && this.interested(name) && index.has(name)) this.own.set(name, GONE);
    this.heldAtRebase = held.size;
  }

  private snapshot(): Map<string, Held> {
    const held = new Map<string, Held>();
    for (const name of this.keys()) held.set(name, this.get(name)!);
    return held;
  }
}
