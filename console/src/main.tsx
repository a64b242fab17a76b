import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { followState, type ConsoleState } from './api';
import { ConfigView } from './views/config';
import { DiffView } from './views/diff';
import { MetricsView } from './views/metrics';
import { ProxiesView } from './views/proxies';
import { TopologyView } from './views/topology';
import { TracesView } from './views/traces';
import { WorkflowsView } from './views/workflows';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const VIEWS = [
  { id: 'topology', label: 'Topology' },
  { id: 'proxies', label: 'Proxies' },
  { id: 'config', label: 'Config' },
  { id: 'diff', label: 'Diff' },
  { id: 'traces', label: 'Traces' },
  { id: 'workflows', label: 'Workflows' },
  { id: 'metrics', label: 'Metrics' },
] as const;

type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const id = location.hash.replace(/^#\/?/, '').split('/')[0];
  return VIEWS.find((v) => v.id === id)?.id ?? 'topology';
}

function App() {
  const [state, setState] = useState<ConsoleState | undefined>();
  const [connected, setConnected] = useState(false);
  const [view, setView] = useState<ViewId>(viewFromHash());
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  useEffect(() => followState(setState, setConnected), []);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const select = (id: ViewId, focus = false) => {
    location.hash = `#/${id}`;
    setView(id);
    if (focus) tabs.current[VIEWS.findIndex((v) => v.id === id)]?.focus();
  };
  // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (event.key === 'Home') select(VIEWS[0].id, true);
    else if (event.key === 'End') select(VIEWS[VIEWS.length - 1]!.id, true);
    else if (step) select(VIEWS[(index + step + VIEWS.length) % VIEWS.length]!.id, true);
    else return;
    event.preventDefault();
  };

  return (
    <>
      <header>
        <h1>Mesh console</h1>
        <span class={`live ${connected ? 'on' : 'off'}`} data-testid="live" aria-live="polite">
          {connected ? 'live' : 'reconnecting…'}
        </span>
        {state && (
          <span class={`health ${state.health.status}`} data-testid="health" title={state.health.reasons.join('\n')}>
            control plane {state.health.status}
          </span>
        )}
      </header>
      <nav role="tablist" aria-label="Views">
        {VIEWS.map((v, i) => (
          <button
            key={v.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            role="tab"
            id={`tab-${v.id}`}
            aria-selected={view === v.id}
            aria-controls="view"
            tabIndex={view === v.id ? 0 : -1}
            onClick={() => select(v.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {v.label}
          </button>
        ))}
      </nav>
      <main>
        <div id="view" role="tabpanel" aria-labelledby={`tab-${view}`} data-view={view}>
        {!state ? (
          <p class="note">Waiting for the control plane…</p>
        ) : view === 'topology' ? (
          <TopologyView state={state} />
        ) : view === 'proxies' ? (
          <ProxiesView state={state} />
        ) : view === 'config' ? (
          <ConfigView state={state} />
        ) : view === 'diff' ? (
          <DiffView state={state} />
        ) : view === 'traces' ? (
          <TracesView state={state} />
        ) : view === 'workflows' ? (
          <WorkflowsView state={state} />
        ) : (
          <MetricsView state={state} />
        )}
        </div>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
