import { useState } from 'preact/hooks';
import { getJson, type ConsoleState, type DiffReport } from '../api';

export function DiffView({ state }: { state: ConsoleState }) {
  const envoys = state.proxies.filter((p) => p.kind === 'envoy');
  const [proxy, setProxy] = useState<string>(envoys[0]?.nodeId ?? '');
  const [answer, setAnswer] = useState<{ proxy: string; report?: DiffReport; error?: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const compare = async () => {
    setBusy(true);
    try {
      const { report } = await getJson<{ report: DiffReport }>(`proxies/${encodeURIComponent(proxy)}/diff`);
      setAnswer({ proxy, report });
    } catch (error) {
      setAnswer({ proxy, error: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const report = answer?.report;
  return (
    <section aria-label="Diff">
      <h2>Diff</h2>
      <p class="note">
        What the control plane intends a proxy to hold, against what its Envoy holds (<code>/config_dump</code>), resource by resource and field by field; ordering, defaults and fields only Envoy adds are ignored. Also <code>mesh diff &lt;proxy-id&gt;</code>.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <label>
          Proxy{' '}
          <select value={proxy} onChange={(e) => setProxy((e.target as HTMLSelectElement).value)} data-testid="diff-proxy">
            {envoys.map((p) => (
              <option key={p.nodeId} value={p.nodeId}>
                {p.nodeId} ({p.service})
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" disabled={!proxy || busy}>
          {busy ? 'Comparing…' : 'Compare'}
        </button>
      </form>
      {answer?.error && (
        <p class="unavailable" role="alert">
          {answer.error}
        </p>
      )}
      {report && (
        <div data-testid="diff-result" data-in-sync={String(report.inSync)}>
          <p class={report.inSync ? 'in-sync' : 'differs'}>
            <strong>{answer?.proxy}</strong>: {report.inSync ? `in sync (${report.resources.length} resources)` : 'differs'}
          </p>
          <table>
            <thead>
              <tr>
                <th>Type</th>
                <th>Resource</th>
                <th>Status</th>
                <th>Differences</th>
              </tr>
            </thead>
            <tbody>
              {report.resources
                .filter((r) => !report.inSync || r.status !== 'in sync' || report.resources.length < 40)
                .map((r) => (
                  <tr key={`${r.type}/${r.name}`} data-resource={`${r.type}/${r.name}`} data-status={r.status}>
                    <td>{r.type}</td>
                    <td>
                      <code>{r.name}</code>
                    </td>
                    <td>
                      <span class={`badge ${r.status.replace(' ', '-')}`}>{r.status}</span>
                    </td>
                    <td>
                      {r.differences.map((d) => (
                        <div key={d.path} class="field-diff">
                          <code>{d.path}</code>: intended <code>{JSON.stringify(d.intended) ?? '(absent)'}</code>, held <code>{JSON.stringify(d.held) ?? '(absent)'}</code>
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
