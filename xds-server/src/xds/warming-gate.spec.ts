import { TypeUrl } from '../resources/type-url';
import { WarmingGate } from './warming-gate';

describe('WarmingGate', () => {
  let awaiting: string | undefined;
  let expired: string[];
  let released: string[];
  let gate: WarmingGate;

  beforeEach(() => {
    jest.useFakeTimers();
    awaiting = undefined;
    expired = [];
    released = [];
    gate = new WarmingGate({
      awaitingClusters: () => awaiting,
      maxHoldMs: 1000,
      onExpired: (nonce) => expired.push(nonce),
      onReleased: (ms, outcome) => released.push(`${outcome} ${Math.round(ms)}`),
    });
  });
  afterEach(() => {
    gate.stop();
    jest.useRealTimers();
  });

  it('holds listeners and routes, and nothing else, while a CDS response is unanswered', () => {
    expect(gate.holds(TypeUrl.Route)).toBe(false);
    awaiting = 'n1';
    expect([TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.ScopedRoute, TypeUrl.Route, TypeUrl.Secret].map((t) => gate.holds(t))).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
    ]);
    awaiting = undefined;
    gate.answered();
    expect(gate.holds(TypeUrl.Route)).toBe(false);
  });

  it('stops waiting for a CDS answer after maxHoldMs, until the next CDS response', () => {
    awaiting = 'n1';
    expect(gate.holds(TypeUrl.Route)).toBe(true);
    jest.advanceTimersByTime(999);
    // An answer to another type does not restart the wait.
    gate.answered();
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['n1']);
    expect(released).toEqual(['expired 1000']);
    expect(gate.holds(TypeUrl.Route)).toBe(false);

    awaiting = 'n2';
    expect(gate.holds(TypeUrl.Route)).toBe(true);
  });

  it('ends the wait when the CDS response is answered, so no late expiry fires', () => {
    awaiting = 'n1';
    gate.holds(TypeUrl.Listener);
    jest.advanceTimersByTime(40);
    awaiting = undefined;
    gate.answered();
    jest.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
    expect(released).toEqual(['answered 40']);
  });
});
