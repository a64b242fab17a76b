/**
 * The load-time mirror of mesh-definition.ts. The types catch mistakes while the config is
 * edited; this schema catches them when the control plane loads the file, which may not
 * have been type-checked at all. Cross-references between names (a service's nodes, its
 * upstreams, split subsets) are checked separately, in mesh-references.ts.
 */
import { z } from 'zod';
import { isDuration } from './duration';
import { describeValue } from './issue-path';
import type * as Dsl from './mesh-definition';

export const ARCHES = ['arm64', 'amd64'] as const satisfies readonly Dsl.Arch[];
export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const satisfies readonly Dsl.Protocol[];
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const satisfies readonly Dsl.HttpMethod[];
export const LOAD_BALANCERS = ['round_robin', 'least_request', 'random', 'ring_hash', 'maglev'] as const satisfies readonly Dsl.LoadBalancer[];
export const MTLS_MODES = ['off', 'strict', 'permissive'] as const satisfies readonly Dsl.MtlsMode[];
export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'resource-exhausted',
  'unavailable',
] as const satisfies readonly Dsl.RetryOn[];

/** Names become Consul service names, Envoy cluster names and Host headers: DNS labels. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Subset and version names end up inside cluster names and Consul meta values. */
const SUBSET_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Objects run their cross-field checks even when a field failed, so every error shows at once. */
const whenObject = { when: (payload: { value: unknown }) => isObject(payload.value) };

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NAME_RULES = {
  dns: { pattern: DNS_LABEL, rule: 'use lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters' },
  subset: { pattern: SUBSET_NAME, rule: 'use lowercase letters, digits, "-" and "_", starting and ending with a letter or digit' },
};
type NameRule = keyof typeof NAME_RULES;

const nameMessage = (kind: string, rule: NameRule, name: unknown) =>
  `invalid ${kind} name ${describeValue(name)}: ${NAME_RULES[rule].rule}`;

function name(kind: string, rule: NameRule) {
  return z.string().refine((text) => NAME_RULES[rule].pattern.test(text), { error: (iss) => nameMessage(kind, rule, iss.input) });
}

/** A map keyed by names; the names are checked beside the values (zod skips a value whose key fails). */
function namedRecord<T extends z.ZodType>(kind: string, rule: NameRule, value: T) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!NAME_RULES[rule].pattern.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: nameMessage(kind, rule, key) });
    }
  }, whenObject);
}

const text = z.string().min(1);
const stringMap = z.record(z.string(), z.string());

const port = z.number().refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, {
  error: (iss) => `expected a port number 1..65535, got ${describeValue(iss.input)}`,
});

function integer(min: number, max?: number) {
  return z.number().refine((n) => Number.isInteger(n) && n >= min && (max === undefined || n <= max), {
    error: (iss) =>
      max === undefined
        ? `expected an integer >= ${min}, got ${describeValue(iss.input)}`
        : `expected an integer ${min}..${max}, got ${describeValue(iss.input)}`,
  });
}

const percent = z.number().refine((n) => n >= 0 && n <= 100, {
  error: (iss) => `expected a percentage 0..100, got ${describeValue(iss.input)}`,
});

const duration = z.string().refine((s): s is Dsl.Duration => isDuration(s), {
  error: (iss) =>
    `invalid duration ${describeValue(iss.input)}: write a number with a unit ms, s, m or h, e.g. "250ms", "2s", "5m", "1h" (whole milliseconds)`,
});

const urlPath = z.string().refine((s) => s.startsWith('/'), {
  error: (iss) => `expected a path starting with "/", got ${describeValue(iss.input)}`,
});

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: (iss) => `invalid regular expression ${describeValue(iss.input)}` },
);

/** `give exactly one of "prefix", "exact" or "regex" (got "prefix" and "exact")` */
function exactlyOneOf<T>(keys: readonly string[]) {
  const present = (value: unknown) => (isObject(value) ? keys.filter((key) => value[key] !== undefined) : []);
  const list = (names: readonly string[], conjunction: string) => {
    const quoted = names.map((name) => JSON.stringify(name));
    return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
  };
  return {
    check: (value: unknown): value is T => present(value).length === 1,
    params: {
      ...whenObject,
      error: (iss: { input?: unknown }) => {
        const given = present(iss.input);
        return `give exactly one of ${list(keys, 'or')} (got ${given.length === 0 ? 'none' : list(given, 'and')})`;
      },
    },
  };
}

export const nodeSchema = z.strictObject({
  address: z.string().refine((s) => s.length > 0 && !/\s/.test(s), {
    error: (iss) => `expected a routable address (an IP or hostname), got ${describeValue(iss.input)}`,
  }),
  arch: z.enum(ARCHES),
  labels: stringMap.optional(),
});

export const healthSchema = z
  .strictObject({
    http: urlPath.optional(),
    tcp: z.boolean().optional(),
    interval: duration.optional(),
    timeout: duration.optional(),
    deregisterAfter: duration.optional(),
  })
  .superRefine((health, ctx) => {
    if (health.http !== undefined && health.tcp === true) {
      ctx.addIssue({ code: 'custom', path: ['tcp'], message: 'give either http or tcp: true, not both' });
    }
  }, whenObject);

export const upstreamSchema = z.union([z.string(), z.strictObject({ service: z.string(), localBindPort: port.optional() })], {
  error: (iss) =>
    iss.code === 'invalid_union' ? `expected a service name or { service, localBindPort }, got ${describeValue(iss.input)}` : undefined,
});

export const sidecarSchema = z.strictObject({
  port,
  adminPort: port,
  outboundPort: port.optional(),
});

export const versionSchema = z.strictObject({
  nodes: z.array(z.string()).min(1).optional(),
  replicas: integer(1).optional(),
  command: text.optional(),
  image: text.optional(),
  env: stringMap.optional(),
  tags: z.array(z.string()).optional(),
  meta: stringMap.optional(),
});

export const subsetSelectorSchema = z.strictObject({
  tags: z.array(z.string()).optional(),
  meta: stringMap.optional(),
});

export const weightedSubsetSchema = z.strictObject({
  subset: z.string(),
  weight: integer(1),
});

export const splitSchema = z.array(weightedSubsetSchema).min(1, {
  error: 'the split is empty: list at least one { subset, weight }, or leave split out to route to the whole service',
});

const pathMatchRule = exactlyOneOf<Dsl.PathMatch>(['prefix', 'exact', 'regex']);
export const pathMatchSchema = z
  .strictObject({ prefix: urlPath.optional(), exact: urlPath.optional(), regex: regex.optional() })
  .refine(pathMatchRule.check, pathMatchRule.params);

const headerMatchRule = exactlyOneOf<Dsl.HeaderMatch>(['exact', 'prefix', 'regex', 'present']);
export const headerMatchSchema = z
  .strictObject({
    name: text,
    exact: z.string().optional(),
    prefix: z.string().optional(),
    regex: regex.optional(),
    present: z.boolean().optional(),
  })
  .refine(headerMatchRule.check, headerMatchRule.params);

export const routeMatchSchema = z.strictObject({
  path: pathMatchSchema.optional(),
  headers: z.array(headerMatchSchema).optional(),
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
});

export const retryPolicySchema = z
  .strictObject({
    retryOn: z.array(z.enum(RETRY_ON)).min(1),
    numRetries: integer(0),
    perTryTimeout: duration.optional(),
    backoff: z.strictObject({ base: duration, max: duration.optional() }).optional(),
    retriableStatusCodes: z.array(integer(100, 599)).min(1).optional(),
    budget: z.strictObject({ percent, minRetryConcurrency: integer(0).optional() }).optional(),
  })
  .superRefine((retries, ctx) => {
    const onStatus = Array.isArray(retries.retryOn) && retries.retryOn.includes('retriable-status-codes');
    if (onStatus && retries.retriableStatusCodes === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryOn'],
        message: '"retriable-status-codes" needs retriableStatusCodes, e.g. retriableStatusCodes: [503]',
      });
    }
    if (!onStatus && Array.isArray(retries.retryOn) && retries.retriableStatusCodes !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['retriableStatusCodes'],
        message: 'has no effect unless retryOn includes "retriable-status-codes"',
      });
    }
  }, whenObject);

export const timeoutsSchema = z
  .strictObject({ request: duration.optional(), idle: duration.optional(), connect: duration.optional() })
  .superRefine((timeouts, ctx) => {
    if (typeof timeouts.connect === 'string' && /^0+(\.0+)?(ms|s|m|h)$/.test(timeouts.connect)) {
      ctx.addIssue({ code: 'custom', path: ['connect'], message: 'must be greater than 0 (Envoy rejects a zero connect timeout)' });
    }
  }, whenObject);

export const circuitBreakerSchema = z.strictObject({
  maxConnections: integer(0).optional(),
  maxPendingRequests: integer(0).optional(),
  maxRequests: integer(0).optional(),
  maxRetries: integer(0).optional(),
});

export const outlierDetectionSchema = z.strictObject({
  consecutive5xx: integer(1).optional(),
  consecutiveGatewayErrors: integer(1).optional(),
  interval: duration.optional(),
  baseEjectionTime: duration.optional(),
  maxEjectionPercent: percent.optional(),
});

export const faultSchema = z
  .strictObject({
    delay: z.strictObject({ percent, duration }).optional(),
    abort: z.strictObject({ percent, httpStatus: integer(200, 599) }).optional(),
  })
  .refine((fault) => fault.delay !== undefined || fault.abort !== undefined, {
    ...whenObject,
    error: 'give a delay, an abort or both',
  });

export const routeRuleSchema = z.strictObject({
  match: routeMatchSchema,
  rewritePrefix: z.string().optional(),
  split: splitSchema.optional(),
  retries: retryPolicySchema.optional(),
  timeout: duration.optional(),
  fault: faultSchema.optional(),
});

export const trafficPolicySchema = z.strictObject({
  subsets: namedRecord('subset', 'subset', subsetSelectorSchema).optional(),
  routes: z.array(routeRuleSchema).optional(),
  split: splitSchema.optional(),
  retries: retryPolicySchema.optional(),
  timeouts: timeoutsSchema.optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  loadBalancer: z.enum(LOAD_BALANCERS).optional(),
  fault: faultSchema.optional(),
  mtls: z.enum(MTLS_MODES).optional(),
  allowedCallers: z.array(z.string()).optional(),
});

export const serviceSchema = z
  .strictObject({
    nodes: z.array(z.string()).min(1, { error: 'list at least one node to run the service on' }),
    command: text.optional(),
    image: text.optional(),
    port,
    protocol: z.enum(PROTOCOLS).optional(),
    replicas: integer(1).optional(),
    env: stringMap.optional(),
    health: healthSchema.optional(),
    upstreams: z.array(upstreamSchema).optional(),
    sidecar: sidecarSchema,
    tags: z.array(z.string()).optional(),
    meta: stringMap.optional(),
    versions: namedRecord('version', 'subset', versionSchema).optional(),
    traffic: trafficPolicySchema.optional(),
  })
  .superRefine((service, ctx) => {
    if (service.command === undefined && service.image === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give a command (systemd and local runs) or an image (docker compose), or both',
      });
    }
  }, whenObject);

export const gatewayRouteSchema = z.strictObject({
  prefix: urlPath,
  service: z.string(),
  rewritePrefix: z.string().optional(),
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
});

export const gatewaySchema = z.strictObject({
  node: z.string(),
  port: port.optional(),
  adminPort: port.optional(),
  routes: z.array(gatewayRouteSchema).min(1, { error: 'list at least one route, e.g. { prefix: "/auth", service: "auth" }' }),
});

export const meshDefaultsSchema = z.strictObject({
  retries: retryPolicySchema.optional(),
  timeouts: timeoutsSchema.optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  loadBalancer: z.enum(LOAD_BALANCERS).optional(),
  mtls: z.enum(MTLS_MODES).optional(),
});

export const consulPlacementSchema = z.strictObject({
  servers: z.array(z.string()).min(1, { error: 'list the nodes that run a Consul server (1, 3 or 5), or leave the field out for the default' }).optional(),
});

export const controlPlanePlacementSchema = z.strictObject({
  nodes: z.array(z.string()).min(1, { error: 'list the nodes that run a control-plane replica, or leave the field out for every node' }).optional(),
});

export const meshSchema = z.strictObject({
  name: name('mesh', 'dns'),
  nodes: namedRecord('node', 'dns', nodeSchema),
  services: namedRecord('service', 'dns', serviceSchema),
  gateway: gatewaySchema.optional(),
  consul: consulPlacementSchema.optional(),
  controlPlane: controlPlanePlacementSchema.optional(),
  defaults: meshDefaultsSchema.optional(),
});

export type MeshSchemaOutput = z.output<typeof meshSchema>;

/*
 * Compile-time guards that the schema and the DSL types cannot drift: the parsed output
 * must be a MeshDefinition, and every object must have exactly the DSL's field names
 * (assignability alone would let a new optional DSL field go unchecked).
 */
type Assert<T extends true> = T;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Out<T extends z.ZodType> = z.output<T>;
type S = string;
export type MeshSchemaChecks = [
  Assert<MeshSchemaOutput extends Dsl.MeshDefinition ? true : false>,
  Assert<SameKeys<MeshSchemaOutput, Dsl.MeshDefinition>>,
  Assert<SameKeys<Out<typeof nodeSchema>, Dsl.NodeDefinition>>,
  Assert<SameKeys<Out<typeof healthSchema>, Dsl.HealthCheckDefinition>>,
  Assert<SameKeys<Exclude<Out<typeof upstreamSchema>, string>, Dsl.UpstreamDefinition<S>>>,
  Assert<SameKeys<Out<typeof sidecarSchema>, Dsl.SidecarDefinition>>,
  Assert<SameKeys<Out<typeof versionSchema>, Dsl.VersionDefinition<S>>>,
  Assert<SameKeys<Out<typeof subsetSelectorSchema>, Dsl.SubsetSelector>>,
  Assert<SameKeys<Out<typeof weightedSubsetSchema>, Dsl.WeightedSubset>>,
  Assert<Out<typeof pathMatchSchema> extends Dsl.PathMatch ? true : false>,
  Assert<Out<typeof headerMatchSchema> extends Dsl.HeaderMatch ? true : false>,
  Assert<SameKeys<Out<typeof routeMatchSchema>, Dsl.RouteMatch>>,
  Assert<SameKeys<Out<typeof retryPolicySchema>, Dsl.RetryPolicy>>,
  Assert<SameKeys<Out<typeof timeoutsSchema>, Dsl.Timeouts>>,
  Assert<SameKeys<Out<typeof circuitBreakerSchema>, Dsl.CircuitBreaker>>,
  Assert<SameKeys<Out<typeof outlierDetectionSchema>, Dsl.OutlierDetection>>,
  Assert<SameKeys<Out<typeof faultSchema>, Dsl.FaultInjection>>,
  Assert<SameKeys<Out<typeof routeRuleSchema>, Dsl.RouteRule>>,
  Assert<SameKeys<Out<typeof trafficPolicySchema>, Dsl.TrafficPolicy<S>>>,
  Assert<SameKeys<Out<typeof serviceSchema>, Dsl.ServiceDefinition<S, S>>>,
  Assert<SameKeys<Out<typeof gatewayRouteSchema>, Dsl.GatewayRoute<S>>>,
  Assert<SameKeys<Out<typeof gatewaySchema>, Dsl.GatewayDefinition<S, S>>>,
  Assert<SameKeys<Out<typeof consulPlacementSchema>, Dsl.ConsulPlacement<S>>>,
  Assert<SameKeys<Out<typeof controlPlanePlacementSchema>, Dsl.ControlPlanePlacement<S>>>,
  Assert<SameKeys<Out<typeof meshDefaultsSchema>, NonNullable<Dsl.MeshDefinition['defaults']>>>,
];
