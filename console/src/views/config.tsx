import type { ConsoleState } from '../api';
import { ago } from './shared';

export function ConfigView({ state }: { state: ConsoleState }) {
  const { config, ca } = state;
  return (
    <section aria-label="Config">
      <h2>Config</h2>
      {!config ? (
        <p class="note">The control plane runs without mesh.config.ts: only the catalog shapes the mesh.</p>
      ) : (
        <>
          <p data-testid="config-served">
            Serving <code>{config.file}</code> version <code>{config.version}</code>, loaded {ago(config.loadedAt)}.
          </p>
          {config.rejected ? (
            <div class="rejected" role="alert" data-testid="config-rejected">
              <h3>Rejected edit ({ago(config.rejected.at)})</h3>
              <p>The last good config (version {config.version}) keeps serving. Every problem found:</p>
              <ul>
                {config.rejected.issues.map((issue, n) => (
                  <li key={n} data-issue-location={issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file}>
                    <code>{issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file}</code> {issue.path && <code>{issue.path}</code>} {issue.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p class="note">The latest saved edit was accepted.</p>
          )}
        </>
      )}
      <h3>Policy sources</h3>
      <p class="note">A Consul config entry wins over mesh.config.ts for the part it sets; an overlap is listed below.</p>
      <table data-testid="policy-sources">
        <thead>
          <tr>
            <th>Service</th>
            <th>Comes from</th>
          </tr>
        </thead>
        <tbody>
          {state.policy.sources.map((s) => (
            <tr key={s.service} data-service={s.service}>
              <td>{s.service}</td>
              <td>{s.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {state.policy.problems.length > 0 && (
        <div data-testid="policy-problems">
          <h4>Not served as written</h4>
          <ul>
            {state.policy.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <h3>Connect CA</h3>
      {!ca ? (
        <p class="note">The control plane does not follow the Connect CA (it follows it only with a config file).</p>
      ) : (
        <div data-testid="ca">
          <p>
            <span class={`badge ${ca.health.status}`}>{ca.health.status}</span> trust domain <code>{ca.trustDomain ?? '(not yet known)'}</code>
            {ca.health.reason ? `: ${ca.health.reason}` : ''}
          </p>
          <table>
            <thead>
              <tr>
                <th>Root</th>
                <th>Serial</th>
                <th>Active</th>
                <th>Not after</th>
              </tr>
            </thead>
            <tbody>
              {ca.roots.map((r) => (
                <tr key={r.id}>
                  <td>
                    <code>{r.id.slice(0, 23)}</code>
                  </td>
                  <td>
                    <code>{r.serialNumber}</code>
                  </td>
                  <td>{r.active ? 'yes' : 'no'}</td>
                  <td>{new Date(r.notAfter).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <thead>
              <tr>
                <th>Leaf</th>
                <th>Serial</th>
                <th>Expires</th>
                <th>Renewable</th>
              </tr>
            </thead>
            <tbody>
              {ca.leaves.map((l) => (
                <tr key={l.service}>
                  <td>{l.service}</td>
                  <td>
                    <code>{l.serialNumber.slice(0, 23)}</code>
                  </td>
                  <td>{new Date(l.expires).toLocaleString()}</td>
                  <td>{l.renewable ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {ca.warnings.length > 0 && (
            <ul>
              {ca.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
