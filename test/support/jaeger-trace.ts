/** Jaeger's query API (`/api/traces`), as the observability suites read it. */

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  startTime: number;
  references?: Array<{ refType: string; traceID: string; spanID: string }>;
  tags?: Array<{ key: string; value: unknown }>;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export async function jaegerTraces(queryUrl: string, params: Record<string, string>): Promise<JaegerTrace[]> {
  const response = await fetch(`${queryUrl}/api/traces?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`Jaeger /api/traces -> ${response.status}`);
  return ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

export async function jaegerTrace(queryUrl: string, traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Jaeger /api/traces/${traceId} -> ${response.status}`);
  return ((await response.json()) as { data: JaegerTrace[] }).data[0];
}

/** One trace as a tree: who reported each span, and its parent. */
export class TraceView {
  private readonly byId: Map<string, JaegerSpan>;

  constructor(readonly trace: JaegerTrace) {
    this.byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  }

  service(span: JaegerSpan): string {
    return this.trace.processes[span.processID]?.serviceName ?? '?';
  }

  tag(span: JaegerSpan, key: string): unknown {
    return span.tags?.find((t) => t.key === key)?.value;
  }

  parentId(span: JaegerSpan): string | undefined {
    return span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;
  }

  parent(span: JaegerSpan): JaegerSpan | undefined {
    const id = this.parentId(span);
    return id === undefined ? undefined : this.byId.get(id);
  }

  isAncestor(ancestor: JaegerSpan, span: JaegerSpan): boolean {
    for (let at = this.parent(span); at; at = this.parent(at)) if (at.spanID === ancestor.spanID) return true;
    return false;
  }

  /** Spans of `service`, oldest first, that match. */
  spans(service: string, match: (span: JaegerSpan) => boolean = () => true): JaegerSpan[] {
    return this.trace.spans.filter((s) => this.service(s) === service && match(s)).sort((a, b) => a.startTime - b.startTime);
  }

  /** The first span of `service` whose direct parent is `parent`. */
  childOf(parent: JaegerSpan, service: string, match: (span: JaegerSpan) => boolean = () => true): JaegerSpan | undefined {
    return this.spans(service, (s) => this.parentId(s) === parent.spanID && match(s))[0];
  }

  /** Span counts per reporting service, e.g. `{ gateway: 1, user: 9, … }`. */
  countsByService(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const span of this.trace.spans) counts[this.service(span)] = (counts[this.service(span)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  describe(span: JaegerSpan | undefined): string {
    return span ? `${this.service(span)} "${span.operationName}" (${span.spanID})` : 'none';
  }
}
