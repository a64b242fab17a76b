import { type ConfigEntriesOutcome, DSL_SOURCE, type PolicyPart } from './config-entry-policy';
import type { ConnectSidecar } from './model';
import type { MeshConfigModel } from './policy-model';
import { callerOverride } from './caller-upstreams';

/** Where each part of one destination's policy comes from (README "Config entries and mesh.config.ts"). */
export interface PolicySources {
  service: string;
  /** The parts a config entry sets, each with the entry that sets it (`service-resolver/api`). */
  entries: Partial<Record<PolicyPart, string>>;
  /** Where every other part comes from: mesh.config.ts when it declares the service, else the defaults. */
  rest: typeof DSL_SOURCE | 'defaults';
  /** Callers whose own UpstreamConfig shapes how they reach this service: caller -> the parts it sets and its entry. */
  callers: Record<string, { parts: string[]; source: string }>;
  /** The same as a sentence, as `mesh status` and the console show it. */
  text: string;
}

const PART_LABEL: Record<PolicyPart, string> = {
  subsets: 'subsets',
  connectTimeout: 'connect timeout',
  failover: 'failover',
  split: 'split',
  routes: 'routes',
  protocol: 'protocol',
  localTimeouts: 'local app timeouts',
};

export function policySources(dsl: MeshConfigModel | undefined, outcome: ConfigEntriesOutcome, service: string): PolicySources | undefined {
  const entries = outcome.origins.get(service);
  const declared = dsl?.policies.has(service) ?? false;
  const callers: PolicySources['callers'] = {};
  for (const [caller, upstreams] of outcome.config?.callerUpstreams ?? []) {
    const override = callerOverride(upstreams, service);
    const parts = override ? [override.connectTimeoutMs !== undefined && 'connect timeout', override.circuitBreaker && 'limits', override.outlierDetection && 'passive health check'].filter((p): p is string => typeof p === 'string') : [];
    if (parts.length > 0) callers[caller] = { parts, source: upstreams.source };
  }
  if (!entries && !declared && Object.keys(callers).length === 0) return undefined;
  const sources = { entries: { ...entries }, rest: declared ? DSL_SOURCE : 'defaults', callers } as const;
  return { service, ...sources, text: describePolicySources(sources) };
}

/** "subsets, failover from service-resolver/api; split from service-splitter/api; the rest from mesh.config.ts" */
export function describePolicySources(sources: Pick<PolicySources, 'entries' | 'rest' | 'callers'>): string {
  const bySource = new Map<string, string[]>();
  for (const [part, source] of Object.entries(sources.entries) as Array<[PolicyPart, string]>) bySource.set(source, [...(bySource.get(source) ?? []), PART_LABEL[part]]);
  const parts = [...bySource].map(([source, labels]) => `${labels.join(', ')} from ${source}`);
  const callers = Object.entries(sources.callers).map(([caller, { parts: set, source }]) => `for ${caller}'s calls, ${set.join(', ')} from ${source}`);
  return [...parts, `${parts.length ? 'the rest' : 'all'} from ${sources.rest}`, ...callers].join('; ');
}

/**
 * What the control plane does not serve as written: config-entry problems, then Connect
 * registration parts it ignores, and protocols a registration names that differ from the one
 * served (Consul copies the entries' protocol into registrations, so an equal one says nothing).
 */
export function configProblems(
  outcome: ConfigEntriesOutcome,
  sidecars: ReadonlyMap<string, ConnectSidecar> | undefined,
  servedProtocol: (service: string) => string | undefined = () => undefined,
): string[] {
  const ignored = [...(sidecars?.values() ?? [])].flatMap((sidecar) => [
    ...sidecar.unsupported.map((u) => `connect-proxy ${sidecar.id}: ${u}`),
    ...(sidecar.protocols ?? [])
      .filter(({ service, protocol }) => servedProtocol(service) !== protocol)
      .map(({ path, service, protocol }) => `connect-proxy ${sidecar.id}: ${path} "${protocol}" is not served; ${service} is served as ${servedProtocol(service) ?? 'unknown'} (set its protocol with service-defaults or proxy-defaults)`),
  ]);
  return [...outcome.problems, ...ignored];
}
