import type { MeshDefinition } from '../../dsl/mesh-definition';
import { generateGrafana } from '../../generate/grafana.generator';

export interface MetricPanel {
  id: string;
  dashboard: string;
  title: string;
  unit: string;
  queries: Array<{ expr: string; legend: string }>;
}

/** The panels the console charts, by dashboard and title, out of the generated Grafana dashboards. */
const CHARTED: Record<string, readonly string[]> = {
  'mesh-overview': ['Requests per second by service', 'Error rate by service (5xx)', 'p99 latency by service'],
  'mesh-control-plane': ['Pushes per second by type', 'Change-to-send latency', 'NACKs by type (5m)'],
  'mesh-workflows': ['Completed vs failed workflows', 'Time per step (p95)'],
};

interface GrafanaDashboard {
  uid: string;
  panels: Array<{ title: string; fieldConfig: { defaults: { unit: string } }; targets: Array<{ expr: string; legendFormat: string }> }>;
}

/**
 * The console's charts run exactly the PromQL of the dashboards `mesh generate grafana`
 * writes: the panels are read out of that generator's output, so the two cannot drift apart.
 */
export function metricPanels(definition: MeshDefinition): MetricPanel[] {
  const dashboards = generateGrafana(definition)
    .filter((f) => f.path.startsWith('grafana/dashboards/'))
    .map((f) => JSON.parse(f.content) as GrafanaDashboard);
  const panels: MetricPanel[] = [];
  for (const [uid, titles] of Object.entries(CHARTED)) {
    const dashboard = dashboards.find((d) => d.uid === uid);
    for (const title of titles) {
      const panel = dashboard?.panels.find((p) => p.title === title);
      if (!panel) throw new Error(`the generated Grafana dashboard ${uid} has no panel "${title}": update CHARTED in metric-panels.ts`);
      panels.push({
        id: `${uid}/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`,
        dashboard: uid,
        title,
        unit: panel.fieldConfig.defaults.unit,
        queries: panel.targets.map((t) => ({ expr: t.expr, legend: t.legendFormat })),
      });
    }
  }
  return panels;
}

/** `{{service}} completed` with the series' labels filled in. */
export function legendFor(template: string, labels: Record<string, string>): string {
  const text = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
  return text.trim() || JSON.stringify(labels);
}
