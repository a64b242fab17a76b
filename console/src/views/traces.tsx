import { useEffect, useState } from 'preact/hooks';
import { getJson, type ConsoleState, type JaegerSpan, type JaegerTrace, type Sourced } from '../api';
import { ms, Unavailable, usePoll } from './shared';

interface Row {
  span: JaegerSpan;
  depth: number;
  service: string;
  error: boolean;
}

/** Spans nested by parent (CHILD_OF, else the first reference), siblings by start time. */
export function waterfall(trace: JaegerTrace): Row[] {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const parentOf = (s: JaegerSpan) => (s.references?.find((r) => r.refType === 'CHILD_OF') ?? s.references?.[0])?.spanID;
  const children = new Map<string | undefined, JaegerSpan[]>();
  for (const span of trace.spans) {
    const parent = parentOf(span);
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const rows: Row[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const error = (span.tags ?? []).some((t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'));
      rows.push({ span, depth, service: trace.processes[span.processID]?.serviceName ?? '?', error });
      visit(span.spanID, depth + 1);
    }
  };
  visit(undefined, 0);
  return rows;
}

function TraceWaterfall({ trace }: { trace: JaegerTrace }) {
  const rows = waterfall(trace);
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, end - start);
  const [open, setOpen] = useState<string | undefined>();
  const services = new Set(rows.map((r) => r.service));
  return (
    <div class="waterfall" data-testid="waterfall" data-trace={trace.traceID}>
      <p>
        Trace <code>{trace.traceID}</code>: {trace.spans.length} spans from {services.size} services, {ms(total / 1000)}.
      </p>
      <ol class="spans">
        {rows.map((row) => {
          const left = ((row.span.startTime - start) / total) * 100;
          const width = Math.max(0.3, (row.span.duration / total) * 100);
          const expanded = open === row.span.spanID;
          return (
            <li key={row.span.spanID} data-span={row.span.spanID} data-depth={row.depth} data-service={row.service} class={row.error ? 'error' : ''}>
              <button type="button" class="span-row" aria-expanded={expanded} onClick={() => setOpen(expanded ? undefined : row.span.spanID)}>
                <span class="span-label" style={{ paddingLeft: `${row.depth * 14}px` }}>
                  <span class="span-service">{row.service}</span> {row.span.operationName}
                  {row.error ? ' ⚠ error' : ''}
                </span>
                <span class="span-track">
                  <span class="span-bar" style={{ left: `${left}%`, width: `${width}%` }} />
                </span>
                <span class="span-duration">{ms(row.span.duration / 1000)}</span>
              </button>
              {expanded && (
                <div class="span-detail">
                  <table>
                    <tbody>
                      {(row.span.tags ?? []).map((t) => (
                        <tr key={t.key}>
                          <th>{t.key}</th>
                          <td>{String(t.value)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {(row.span.logs ?? []).map((log, n) => (
                    <p key={n} class="span-event">
                      +{ms((log.timestamp - row.span.startTime) / 1000)}: {log.fields.map((f) => `${f.key}=${String(f.value)}`).join(' ')}
                    </p>
                  ))}
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function TracesView({ state }: { state: ConsoleState }) {
  const services = usePoll<Sourced<string[]>>('traces/services', 15000).value;
  const [service, setService] = useState('gateway');
  const [operation, setOperation] = useState('');
  const [minDuration, setMinDuration] = useState('');
  const [tags, setTags] = useState('');
  const [results, setResults] = useState<Sourced<JaegerTrace[]> | undefined>();
  const [trace, setTrace] = useState<JaegerTrace | undefined>();
  const [operations, setOperations] = useState<string[]>([]);
  useEffect(() => {
    if (!service) return;
    getJson<Sourced<string[]>>(`traces/operations?service=${encodeURIComponent(service)}`)
      .then((a) => setOperations(a.available ? a.data : []))
      .catch(() => setOperations([]));
  }, [service]);
  if (!state.sources.jaeger) return <Unavailable system="Jaeger" reason="not configured (start the control plane with --jaeger <url>)" />;
  if (services && !services.available) return <Unavailable system="Jaeger" reason={services.reason} />;
  const search = async () => {
    const params = new URLSearchParams({ service, limit: '20' });
    if (operation) params.set('operation', operation);
    if (minDuration) params.set('minDuration', minDuration);
    if (tags) params.set('tags', tags);
    setResults(await getJson<Sourced<JaegerTrace[]>>(`traces?${params}`));
  };
  const openTrace = async (id: string) => {
    const answer = await getJson<Sourced<JaegerTrace>>(`traces/${id}`);
    if (answer.available) setTrace(answer.data);
  };
  return (
    <section aria-label="Traces">
      <h2>Traces</h2>
      <form
        class="trace-search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label>
          Service{' '}
          <select value={service} onChange={(e) => setService((e.target as HTMLSelectElement).value)} data-testid="trace-service">
            {(services?.available ? services.data : [service]).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Operation{' '}
          <select value={operation} onChange={(e) => setOperation((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {operations.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min duration <input value={minDuration} placeholder="100ms" size={7} onInput={(e) => setMinDuration((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Tags <input value={tags} placeholder="http.status_code=500" onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      {results && !results.available && <Unavailable system="Jaeger" reason={results.reason} />}
      {results?.available && (
        <table class="trace-results" data-testid="trace-results">
          <thead>
            <tr>
              <th>Root</th>
              <th>Spans</th>
              <th>Services</th>
              <th>Duration</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {results.data.map((t) => {
              const root = waterfall(t)[0];
              const start = Math.min(...t.spans.map((s) => s.startTime));
              const end = Math.max(...t.spans.map((s) => s.startTime + s.duration));
              return (
                <tr key={t.traceID} data-trace-row={t.traceID}>
                  <td>
                    <button type="button" class="link" onClick={() => void openTrace(t.traceID)}>
                      {root ? `${root.service}: ${root.span.operationName}` : t.traceID}
                    </button>
                  </td>
                  <td>{t.spans.length}</td>
                  <td>{new Set(Object.values(t.processes).map((p) => p.serviceName)).size}</td>
                  <td>{ms((end - start) / 1000)}</td>
                  <td>{new Date(start / 1000).toLocaleTimeString()}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {trace && <TraceWaterfall trace={trace} />}
    </section>
  );
}
