import { allowedCallersFromIntentions } from '../consul/connect-intentions';
import { gatewayName } from './gateway';
import type { MeshModel } from './model';
import type { CallerPermissions } from './rbac.translator';

/** Who may call a destination, and which of them an L7 intention judges per request. */
export interface CallerRules {
  /** Undefined: every mesh service may call (no RBAC filter). */
  readonly allowedCallers: readonly string[] | undefined;
  readonly callerPermissions: CallerPermissions;
}

/**
 * Who may call `destination`, from the two sources that say so: the DSL's `allowedCallers`
 * and Consul's intentions. An explicit deny from either wins: a caller gets in only if the
 * DSL lets it (no list, or on the list) and no intention denies it. A caller no intention
 * names is left to the DSL, unlike Consul's own default-deny intentions under ACLs, so that
 * switching ACLs on does not cut every service off before anyone has written intentions.
 * An L7 intention lets its caller in and judges each request by its HTTP permissions.
 */
export function callerRules(model: MeshModel, destination: string): CallerRules {
  const fromDsl = model.config?.policies.get(destination)?.allowedCallers;
  const intentions = model.intentions ?? [];
  if (intentions.length === 0) return { allowedCallers: fromDsl, callerPermissions: {} };
  const callers = candidateCallers(model, fromDsl);
  const decision = allowedCallersFromIntentions(intentions, destination, callers, { defaultAllow: true });
  if (decision.allowedCallers === undefined) return { allowedCallers: fromDsl, callerPermissions: {} };
  const byIntentions = new Set(decision.allowedCallers);
  const allowedCallers = (fromDsl ?? [...callers]).filter((caller) => byIntentions.has(caller)).sort();
  return { allowedCallers, callerPermissions: Object.fromEntries(allowedCallers.flatMap((c) => (decision.l7.has(c) ? [[c, decision.l7.get(c)!]] : []))) };
}

/** Every service that could call: in the catalog, declared in the DSL, or the gateway. */
function candidateCallers(model: MeshModel, fromDsl: readonly string[] | undefined): Set<string> {
  return new Set([...model.services.keys(), ...(model.config?.policies.keys() ?? []), ...(fromDsl ?? []), gatewayName(model)]);
}

/** What `mesh status` shows per destination: the outcome, and what each source said. */
export interface CallersSummary {
  /** Null: every mesh service may call. */
  allowed: readonly string[] | null;
  /** The DSL's allowedCallers; null when the DSL lets every mesh service call. */
  dsl: readonly string[] | null;
  /** Callers the DSL lets in that an intention denies. */
  deniedByIntentions: readonly string[];
  /** Callers whose requests an L7 intention judges one by one. */
  l7: readonly string[];
}

export function callersSummary(model: MeshModel, destination: string): CallersSummary {
  const rules = callerRules(model, destination);
  const dsl = model.config?.policies.get(destination)?.allowedCallers;
  const allowed = new Set(rules.allowedCallers ?? []);
  const dslAllows = dsl ?? (rules.allowedCallers === undefined ? [] : [...candidateCallers(model, undefined)]);
  return {
    allowed: rules.allowedCallers ?? null,
    dsl: dsl ?? null,
    deniedByIntentions: rules.allowedCallers === undefined ? [] : dslAllows.filter((c) => !allowed.has(c)).sort(),
    l7: Object.keys(rules.callerPermissions).sort(),
  };
}
