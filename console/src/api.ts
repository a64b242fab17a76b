/** The admin server's console API (xds-server/src/admin/console), as the views read it. */

export type Sourced<T> = { available: true; data: T } | { available: false; reason: string };

export type InstanceHealth = 'passing' | 'warning' | 'critical';

export interface TopologyService {
  name: string;
  kind: 'service' | 'worker' | 'gateway';
  dslNodes: string[];
  instances: Array<{ id: string; consulNode: string; address?: string; port?: number; health: InstanceHealth }>;
  inCatalog: boolean;
}

export interface Topology {
  groups: Array<{ node: string; address?: string; services: string[] }>;
  services: TopologyService[];
  edges: Array<{ from: string; to: string; declared: 'upstream' | 'gateway' }>;
}

export interface TypeInfo {
  status: 'SYNCED' | 'STALE' | 'NACKED';
  acked: string | null;
  lastNack: { version: string; resources: string[]; error: string; at: string } | null;
}

export interface ResourceSource {
  resource: string;
  dsl?: string;
  consul?: string;
  other?: string;
}

export type TypeName = 'CDS' | 'EDS' | 'LDS' | 'SRDS' | 'RDS' | 'SDS';

export interface Proxy {
  nodeId: string;
  service: string;
  kind: 'envoy' | 'grpc';
  protocol: 'SotW' | 'Delta';
  connectedSince: string;
  types: Partial<Record<TypeName, TypeInfo>>;
  certificate: { serialNumber: string; spiffeId: string; validAfter: string; expires: string; renewable: boolean } | null;
  adminAddress: string | null;
  nackSources: Partial<Record<TypeName, ResourceSource[]>>;
}

export interface ConfigIssue {
  path: string;
  message: string;
  file: string;
  line?: number;
  column?: number;
}

export interface ConsoleState {
  controlPlane: string;
  health: { status: string; reasons: string[] };
  topology: Topology;
  proxies: Proxy[];
  config: { file: string; version: string; loadedAt: string; rejected?: { at: string; error: string; issues: ConfigIssue[] } } | null;
  ca: {
    health: { status: string; reason?: string };
    trustDomain: string | null;
    activeRootId: string | null;
    roots: Array<{ id: string; serialNumber: string; active: boolean; notAfter: string }>;
    leaves: Array<{ service: string; serialNumber: string; expires: string; renewable: boolean }>;
    warnings: string[];
  } | null;
  policy: { sources: Array<{ service: string; entries: Record<string, string>; rest: string; text: string }>; problems: string[] };
  sources: { prometheus: string | null; jaeger: string | null; temporal: string | null; temporalUi: string | null };
}

export interface Figures {
  rps: number;
  errorRate: number | null;
  p99Ms: number | null;
}

export interface TrafficFigures {
  services: Record<string, Figures>;
  edges: Record<string, Figures>;
}

export interface FieldDifference {
  path: string;
  intended?: unknown;
  held?: unknown;
}

export interface DiffReport {
  inSync: boolean;
  resources: Array<{ type: TypeName; name: string; status: 'in sync' | 'differs' | 'missing' | 'unexpected'; differences: FieldDifference[] }>;
}

export interface WorkflowStep {
  name: string;
  kind: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  attempts?: number;
  failure?: string;
}

export interface WorkflowExecution {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  currentStep?: string;
  steps: WorkflowStep[];
  failure?: string;
  uiUrl?: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  startTime: number;
  duration: number;
  references?: Array<{ refType: string; spanID: string }>;
  tags?: Array<{ key: string; value: unknown }>;
  logs?: Array<{ timestamp: number; fields: Array<{ key: string; value: unknown }> }>;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export interface MetricsAnswer {
  step: number;
  panels: Array<{ id: string; title: string }>;
  data: Sourced<Array<{ id: string; title: string; unit: string; series: Array<{ name: string; points: Array<[number, number]> }> }>>;
}

export class ApiError extends Error {}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`/ui/api/${path}`);
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // plain text
    }
    throw new ApiError(`${response.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

/** The live state over Server-Sent Events; EventSource reconnects by itself. */
export function followState(onState: (state: ConsoleState) => void, onConnection: (connected: boolean) => void): () => void {
  const source = new EventSource('/ui/api/events');
  source.addEventListener('state', (event) => onState(JSON.parse((event as MessageEvent<string>).data) as ConsoleState));
  source.onopen = () => onConnection(true);
  source.onerror = () => onConnection(false);
  return () => source.close();
}
