import type { ConsoleState, TypeName } from '../api';
import { ago } from './shared';

const TYPES: TypeName[] = ['CDS', 'EDS', 'LDS', 'SRDS', 'RDS', 'SDS'];

/** Envoy puts the rejected proto first and the reason last: the reason is the summary. */
function summary(error: string): string {
  const last = error.trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? error;
  return last.length > 240 ? `${last.slice(0, 237)}...` : last;
}

export function ProxiesView({ state }: { state: ConsoleState }) {
  const nacks = state.proxies.flatMap((p) => TYPES.flatMap((t) => (p.types[t]?.lastNack ? [{ proxy: p, type: t, nack: p.types[t]!.lastNack!, sources: p.nackSources[t] ?? [] }] : [])));
  return (
    <section aria-label="Proxies">
      <h2>Proxies</h2>
      <p class="note">
        {state.proxies.length} connected to control plane <code>{state.controlPlane}</code>. SYNCED: the proxy accepted everything sent; STALE: an answer is awaited; NACKED: it rejected the latest response.
      </p>
      <table class="proxies">
        <thead>
          <tr>
            <th>Node id</th>
            <th>Service</th>
            <th>Protocol</th>
            {TYPES.map((t) => (
              <th key={t}>{t}</th>
            ))}
            <th>Certificate</th>
            <th>Connected</th>
          </tr>
        </thead>
        <tbody>
          {state.proxies.map((p) => (
            <tr key={p.nodeId} data-proxy={p.nodeId}>
              <td>
                <code>{p.nodeId}</code>
              </td>
              <td>{p.service}</td>
              <td>
                {p.protocol}
                {p.kind === 'grpc' ? ' (gRPC)' : ''}
              </td>
              {TYPES.map((t) => {
                const info = p.types[t];
                return (
                  <td key={t} data-type={t} data-status={info?.status ?? 'none'} title={info?.acked ? `acked ${info.acked}` : ''}>
                    {info ? <span class={`badge ${info.status}`}>{info.status}</span> : '–'}
                  </td>
                );
              })}
              <td>{p.certificate ? <span title={p.certificate.spiffeId}>{`${p.certificate.serialNumber.slice(0, 11)}… expires ${new Date(p.certificate.expires).toLocaleString()}${p.certificate.renewable ? '' : ' (not renewable)'}`}</span> : '–'}</td>
              <td title={p.connectedSince}>{ago(p.connectedSince)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Last NACKs</h3>
      {nacks.length === 0 ? (
        <p class="note" data-testid="no-nacks">
          No proxy has rejected a response.
        </p>
      ) : (
        <ul class="nacks">
          {nacks.map(({ proxy, type, nack, sources }) => (
            <li key={`${proxy.nodeId}/${type}`} data-nack={`${proxy.nodeId}/${type}`}>
              <strong>
                {proxy.nodeId} rejected {type} {nack.version}
              </strong>{' '}
              <span class="when">{ago(nack.at)}</span>
              <details class="envoy-error">
                <summary>{summary(nack.error)}</summary>
                <pre>{nack.error}</pre>
              </details>
              <dl class="sources">
                {sources.map((s) => (
                  <div key={s.resource}>
                    <dt>
                      <code>{s.resource}</code>
                    </dt>
                    {s.dsl && <dd data-source="dsl">DSL: {s.dsl}</dd>}
                    {s.consul && <dd data-source="consul">{s.consul}</dd>}
                    {s.other && <dd data-source="other">{s.other}</dd>}
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
