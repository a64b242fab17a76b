import { allowedCallersFromIntentions } from '../consul/connect-intentions';
import { gatewayName } from './gateway';
import type { MeshModel } from './model';

/**
 * Who may call `destination`, from the two sources that say so: the DSL's `allowedCallers`
 * and Consul's intentions. An explicit deny from either wins: a caller gets in only if the
 * DSL lets it (no list, or on the list) and no intention denies it. A caller no intention
 * names is left to the DSL, unlike Consul's own default-deny intentions under ACLs, so that
 * switching ACLs on does not cut every service off before anyone has written intentions.
 * Undefined: every mesh service may call (no RBAC filter).
 */
export function allowedCallers(model: MeshModel, destination: string): readonly string[] | undefined {
  const fromDsl = model.config?.policies.get(destination)?.allowedCallers;
  const intentions = model.intentions ?? [];
  if (intentions.length === 0) return fromDsl;
  const callers = new Set([...model.services.keys(), ...(model.config?.policies.keys() ?? []), ...(fromDsl ?? []), gatewayName(model)]);
  const decision = allowedCallersFromIntentions(intentions, destination, callers, { defaultAllow: true });
  if (decision.allowedCallers === undefined) return fromDsl;
  const byIntentions = new Set(decision.allowedCallers);
  return (fromDsl ?? [...callers]).filter((caller) => byIntentions.has(caller)).sort();
}
