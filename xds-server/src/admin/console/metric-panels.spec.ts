import { join } from 'node:path';
import { loadMeshConfig } from '../../dsl/load-mesh-config';
import { generateGrafana } from '../../generate/grafana.generator';
import { legendFor, metricPanels } from './metric-panels';

describe('metricPanels', () => {
  it('charts the generated dashboards\' own queries', async () => {
    const { definition } = await loadMeshConfig(join(__dirname, '../../../../mesh.config.ts'));
    const panels = metricPanels(definition);
    expect(panels.map((p) => p.title)).toEqual([
      'Requests per second by service',
      'Error rate by service (5xx)',
      'p99 latency by service',
      'Pushes per second by type',
      'Change-to-send latency',
      'NACKs by type (5m)',
      'Completed vs failed workflows',
      'Time per step (p95)',
    ]);
    const grafana = generateGrafana(definition).map((f) => f.content).join('\n');
    for (const query of panels.flatMap((p) => p.queries)) expect(grafana).toContain(JSON.stringify(query.expr).slice(1, -1));
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it('fills legends from labels', () => {
    expect(legendFor('{{workflow}} completed', { workflow: 'OnboardUser' })).toBe('OnboardUser completed');
    expect(legendFor('{{service}}', {})).toBe('{}');
  });
});
