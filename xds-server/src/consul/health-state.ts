import { JsonShape } from './json-shape';

export const HEALTH_STATE_PATH = '/v1/health/state/any';

/**
 * One health check as `/v1/health/state/any` lists it, reduced to what tells which service
 * changed. A check whose `serviceName` is '' is a node check (serfHealth, maintenance), which
 * counts for every instance on its node. The raft indexes are numbers so the list can be
 * content-hashed as JSON; Consul's indexes stay far below 2^53.
 */
export interface CheckState {
  readonly node: string;
  readonly checkId: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly status: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/**
 * Reads every check in the datacenter, sorted by node and check id so that the content hash
 * does not depend on Consul's order. Output and notes are left out on purpose: they change
 * the check's ModifyIndex, which is kept, and that is all a watcher needs to know.
 */
export function parseHealthState(body: unknown, path: string): readonly CheckState[] {
  const shape = new JsonShape(path);
  const checks = shape.array(body, '').map((raw, i): CheckState => {
    const at = `[${i}]`;
    const check = shape.object(raw, at);
    return Object.freeze({
      node: shape.string(check.Node, `${at}.Node`),
      checkId: shape.string(check.CheckID, `${at}.CheckID`),
      serviceId: shape.optionalString(check.ServiceID, `${at}.ServiceID`),
      serviceName: shape.optionalString(check.ServiceName, `${at}.ServiceName`),
      status: shape.string(check.Status, `${at}.Status`),
      createIndex: shape.integer(check.CreateIndex, `${at}.CreateIndex`),
      modifyIndex: shape.integer(check.ModifyIndex, `${at}.ModifyIndex`),
    });
  });
  checks.sort((a, b) => compare(a.node, b.node) || compare(a.checkId, b.checkId));
  return Object.freeze(checks);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A content key for a parsed list: parseHealthState builds every entry with the same key order
 * and sorts the list, so plain JSON is canonical, and much cheaper than stableHash on the
 * thousands of checks of a large catalog.
 */
export function healthStateKey(checks: readonly CheckState[]): string {
  let key = keys.get(checks);
  if (key === undefined) {
    key = JSON.stringify(checks);
    keys.set(checks, key);
  }
  return key;
}

/** The blocking query and the watcher both ask for the key of the same parsed list. */
const keys = new WeakMap<readonly CheckState[], string>();
