import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleState, Figures, InstanceHealth, Sourced, TopologyService, TrafficFigures } from '../api';
import { ms, usePoll, Unavailable } from './shared';

const elk = new ELK();
const NODE_W = 190;
const NODE_H = 74;

function worst(service: TopologyService): InstanceHealth | 'none' {
  if (!service.instances.length) return 'none';
  if (service.instances.some((i) => i.health === 'critical')) return service.instances.every((i) => i.health === 'critical') ? 'critical' : 'warning';
  return service.instances.some((i) => i.health === 'warning') ? 'warning' : 'passing';
}

/** The gateway has no app behind it: its figures are those of its routes, at the gateway. */
function serviceFigures(traffic: TrafficFigures | undefined, service: TopologyService): Figures | undefined {
  if (!traffic) return undefined;
  if (service.kind !== 'gateway') return traffic.services[service.name];
  const routes = Object.entries(traffic.edges).filter(([pair]) => pair.startsWith(`${service.name}>`)).map(([, f]) => f);
  if (!routes.length) return undefined;
  const rps = routes.reduce((sum, f) => sum + f.rps, 0);
  const errors = routes.reduce((sum, f) => sum + (f.errorRate ?? 0) * f.rps, 0);
  const p99s = routes.map((f) => f.p99Ms).filter((v): v is number => v !== null && Number.isFinite(v));
  return { rps, errorRate: rps > 0 ? errors / rps : null, p99Ms: p99s.length ? Math.max(...p99s) : null };
}

function figureText(f: Figures | undefined): string {
  if (!f) return 'no traffic';
  const err = f.errorRate === null ? '–' : `${(f.errorRate * 100).toFixed(1)}%`;
  return `${f.rps.toFixed(2)} rps · ${err} 5xx · p99 ${ms(f.p99Ms)}`;
}

interface Layout {
  graph: ElkNode;
  key: string;
}

/** Layout depends only on the shape (groups, services, edges), not on health or figures. */
function useLayout(state: ConsoleState, observed: string[]): Layout | undefined {
  const { topology } = state;
  const key = JSON.stringify([topology.groups, topology.edges, observed]);
  const [layout, setLayout] = useState<Layout | undefined>();
  useEffect(() => {
    const known = new Set(topology.services.map((s) => s.name));
    const edges: ElkExtendedEdge[] = [
      ...topology.edges.map((e, i) => ({ id: `d${i}`, sources: [e.from], targets: [e.to] })),
      ...observed.map((pair, i) => {
        const [from, to] = pair.split('>') as [string, string];
        return { id: `o${i}`, sources: [from], targets: [to] };
      }),
    ].filter((e) => known.has(e.sources[0]!) && known.has(e.targets[0]!));
    const graph: ElkNode = {
      id: 'root',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN', 'elk.spacing.nodeNode': '24', 'elk.layered.spacing.nodeNodeBetweenLayers': '60', 'elk.padding': '[top=34,left=14,bottom=14,right=14]' },
      children: topology.groups.map((g) => ({
        id: `group:${g.node}`,
        layoutOptions: { 'elk.padding': '[top=34,left=14,bottom=14,right=14]' },
        children: g.services.map((s) => ({ id: s, width: NODE_W, height: NODE_H })),
      })),
      edges,
    };
    let current = true;
    elk.layout(graph).then((laid) => current && setLayout({ graph: laid, key }), () => undefined);
    return () => {
      current = false;
    };
  }, [key]);
  return layout;
}

export function TopologyView({ state }: { state: ConsoleState }) {
  const figures = usePoll<Sourced<TrafficFigures>>('figures', 5000).value;
  const traffic = figures?.available ? figures.data : undefined;
  const declared = useMemo(() => new Set(state.topology.edges.map((e) => `${e.from}>${e.to}`)), [state.topology.edges]);
  const observed = Object.entries(traffic?.edges ?? {})
    .filter(([pair, f]) => f.rps > 0 && !declared.has(pair))
    .map(([pair]) => pair)
    .sort();
  const layout = useLayout(state, observed);
  const [selected, setSelected] = useState<string | undefined>();
  const byName = new Map(state.topology.services.map((s) => [s.name, s]));

  return (
    <section aria-label="Topology">
      <h2>Topology</h2>
      <p class="note">
        Services from the Consul catalog, grouped by the mesh.config.ts node that places them; solid edges are DSL upstreams and gateway routes, dashed ones traffic Prometheus observed that the DSL does not declare.
      </p>
      {figures && !figures.available && <Unavailable system="Prometheus" reason={figures.reason} />}
      {layout && (
        <svg class="topology" width={layout.graph.width} height={layout.graph.height} viewBox={`0 0 ${layout.graph.width ?? 0} ${layout.graph.height ?? 0}`} role="group" aria-label="Service graph">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#6b7a90" />
            </marker>
          </defs>
          {(layout.graph.edges ?? []).map((edge) =>
            (edge.sections ?? []).map((section) => {
              const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
              const pair = `${edge.sources[0]}>${edge.targets[0]}`;
              const f = traffic?.edges[pair];
              const mid = points[Math.floor(points.length / 2)]!;
              return (
                <g key={edge.id} class={`edge ${edge.id.startsWith('o') ? 'observed' : 'declared'}`} data-edge={pair}>
                  <title>{`${pair.replace('>', ' → ')}: ${edge.id.startsWith('o') ? 'observed, not declared' : 'declared'}; ${figureText(f)}`}</title>
                  <polyline points={points.map((p) => `${p.x},${p.y}`).join(' ')} marker-end="url(#arrow)" />
                  {f && f.rps > 0 && (
                    <text x={mid.x + 4} y={mid.y - 4} class="edge-figure">
                      {f.rps.toFixed(1)}/s
                    </text>
                  )}
                </g>
              );
            }),
          )}
          {(layout.graph.children ?? []).map((group) => (
            <g key={group.id} transform={`translate(${group.x ?? 0},${group.y ?? 0})`}>
              <rect class="group" width={group.width} height={group.height} rx="8" />
              <text x="12" y="21" class="group-label">
                {groupLabel(state, group.id.slice('group:'.length))}
              </text>
              {(group.children ?? []).map((node) => {
                const service = byName.get(node.id);
                if (!service) return null;
                const health = worst(service);
                const up = service.instances.filter((i) => i.health !== 'critical').length;
                return (
                  <g
                    key={node.id}
                    transform={`translate(${node.x ?? 0},${node.y ?? 0})`}
                    class={`service ${health} ${selected === node.id ? 'selected' : ''}`}
                    data-service={node.id}
                    data-health={health}
                    role="button"
                    tabindex={0}
                    aria-label={`${node.id}: ${up} of ${service.instances.length} instances healthy`}
                    onClick={() => setSelected(node.id)}
                    onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), setSelected(node.id))}
                  >
                    <rect width={NODE_W} height={NODE_H} rx="6" />
                    <text x="10" y="20" class="service-name">
                      {node.id}
                      {service.kind !== 'service' ? ` (${service.kind})` : ''}
                    </text>
                    <text x="10" y="40" class="service-instances">
                      {up}/{service.instances.length} healthy
                    </text>
                    <text x="10" y="60" class="service-figure" data-figure={node.id}>
                      {figureText(serviceFigures(traffic, service))}
                    </text>
                  </g>
                );
              })}
            </g>
          ))}
        </svg>
      )}
      <h3>Instances</h3>
      <table class="instances">
        <thead>
          <tr>
            <th>Service</th>
            <th>Instance</th>
            <th>Consul node</th>
            <th>Address</th>
            <th>Health</th>
            <th>Requests/s</th>
            <th>5xx</th>
            <th>p99</th>
          </tr>
        </thead>
        <tbody>
          {state.topology.services.flatMap((service) => {
            const f = serviceFigures(traffic, service);
            const rows = service.instances.length ? service.instances : [undefined];
            return rows.map((instance, n) => (
              <tr key={`${service.name}/${instance?.id ?? ''}`} data-instance={instance?.id} data-health={instance?.health ?? 'none'} class={selected === service.name ? 'selected' : ''}>
                <td>{n === 0 ? service.name : ''}</td>
                <td>{instance?.id ?? '(no instances)'}</td>
                <td>{instance?.consulNode ?? ''}</td>
                <td>{instance?.address ? `${instance.address}:${instance.port}` : ''}</td>
                <td>
                  <span class={`badge ${instance?.health ?? 'none'}`}>{instance?.health ?? 'none'}</span>
                </td>
                <td>{n === 0 && f ? f.rps.toFixed(2) : ''}</td>
                <td>{n === 0 && f?.errorRate !== null && f ? `${(f.errorRate * 100).toFixed(1)}%` : ''}</td>
                <td>{n === 0 && f ? ms(f.p99Ms) : ''}</td>
              </tr>
            ));
          })}
        </tbody>
      </table>
    </section>
  );
}

function groupLabel(state: ConsoleState, node: string): string {
  if (node === '') return 'not placed by mesh.config.ts';
  const group = state.topology.groups.find((g) => g.node === node);
  return group?.address ? `${node} (${group.address})` : node;
}
