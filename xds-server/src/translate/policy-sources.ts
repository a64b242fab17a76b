import { type ConfigEntriesOutcome, DSL_SOURCE, type PolicyPart } from './config-entry-policy';
import type { ConnectSidecar } from './model';
import type { MeshConfigModel } from './policy-model';

/** Where each part of one destination's policy comes from (README "Config entries and mesh.config.ts"). */
export interface PolicySources {
  service: string;
  /** The parts a config entry sets, each with the entry that sets it (`service-resolver/api`). */
  entries: Partial<Record<PolicyPart, string>>;
  /** Where every other part comes from: mesh.config.ts when it declares the service, else the defaults. */
  rest: typeof DSL_SOURCE | 'defaults';
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
};

export function policySources(dsl: MeshConfigModel | undefined, outcome: ConfigEntriesOutcome, service: string): PolicySources | undefined {
  const entries = outcome.origins.get(service);
  const declared = dsl?.policies.has(service) ?? false;
  if (!entries && !declared) return undefined;
  const sources = { entries: { ...entries }, rest: declared ? DSL_SOURCE : 'defaults' } as const;
  return { service, ...sources, text: describePolicySources(sources) };
}

/** "subsets, failover from service-resolver/api; split from service-splitter/api; the rest from mesh.config.ts" */
export function describePolicySources(sources: Pick<PolicySources, 'entries' | 'rest'>): string {
  const bySource = new Map<string, string[]>();
  for (const [part, source] of Object.entries(sources.entries) as Array<[PolicyPart, string]>) bySource.set(source, [...(bySource.get(source) ?? []), PART_LABEL[part]]);
  const parts = [...bySource].map(([source, labels]) => `${labels.join(', ')} from ${source}`);
  return [...parts, `${parts.length ? 'the rest' : 'all'} from ${sources.rest}`].join('; ');
}

/** What the control plane does not serve as written: config-entry problems, then Connect registration parts it ignores. */
export function configProblems(outcome: ConfigEntriesOutcome, sidecars: ReadonlyMap<string, ConnectSidecar> | undefined): string[] {
  const ignored = [...(sidecars?.values() ?? [])].flatMap((sidecar) => sidecar.unsupported.map((u) => `connect-proxy ${sidecar.id}: ${u}`));
  return [...outcome.problems, ...ignored];
}
