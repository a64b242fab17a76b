import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { XdsMetrics } from '../xds/xds-metrics';
import { IMAGES } from './deploy-conventions';
import { DATASOURCE_UID, generateGrafana, WORKFLOW_METRICS } from './grafana.generator';

const mesh: MeshDefinition = {
  name: 't',
  nodes: { a: { address: '10.0.0.1', arch: 'arm64' } },
  services: { api: { nodes: ['a'], port: 3100, sidecar: { port: 21000, adminPort: 19100 } } },
};

interface Dashboard {
  uid: string;
  description: string;
  panels: Array<{ id: number; gridPos: { x: number; y: number; w: number }; datasource: { uid: string }; targets: Array<{ expr: string; refId: string }> }>;
}

const dashboards = generateGrafana(mesh)
  .filter((f) => f.path.endsWith('.json'))
  .map((f) => JSON.parse(f.content) as Dashboard);
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid)!;
const metricNames = (d: Dashboard) => [...new Set(d.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]!))))].sort();

describe('grafana dashboards', () => {
  it('the control plane dashboard queries only metrics the control plane registers', async () => {
    const registered = (await new XdsMetrics().registry.getMetricsAsJSON()).flatMap((m) =>
      String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    );
    const used = metricNames(byUid('mesh-control-plane')).filter((n) => n !== 'up');
    expect(used.length).toBeGreaterThanOrEqual(6);
    expect(used.filter((n) => !registered.includes(n))).toEqual([]);
  });

  it('the workflows dashboard queries each of the worker\'s metrics (test/integration/observability.spec.ts checks them against a live worker)', () => {
    const used = metricNames(byUid('mesh-workflows')).filter((n) => n !== 'up');
    expect(used.map((n) => n.replace(/_bucket$/, '')).sort()).toEqual(Object.values(WORKFLOW_METRICS).sort());
    expect(byUid('mesh-workflows').description).not.toMatch(/placeholder|not export/i);
  });

  it('every panel uses the provisioned datasource, has a unique id and fits the 24-column grid without overlap', () => {
    for (const d of dashboards) {
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe(DATASOURCE_UID);
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          const cell = `${x},${p.gridPos.y}`;
          expect(cells.has(cell)).toBe(false);
          cells.add(cell);
        }
      }
    }
  });
});

describe('compose images', () => {
  it('follow the versions toolchain.json pins', () => {
    const pins = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'toolchain.json'), 'utf8')) as {
      python: { wheels: { envoy: { version: string }; temporal: { version: string } } };
      go: { consul: { version: string }; jaeger: { upstream: string } };
      debian: { prometheus: { version: string } };
    };
    expect(IMAGES.envoy).toBe(`envoyproxy/envoy:v${pins.python.wheels.envoy.version}`);
    expect(IMAGES.temporal).toBe(`temporalio/temporal:${pins.python.wheels.temporal.version}`);
    expect(IMAGES.consul).toBe(`hashicorp/consul:${pins.go.consul.version.replace(/^v/, '')}`);
    expect(pins.go.jaeger.upstream).toContain(`Jaeger v${IMAGES.jaeger.split(':')[1]}`);
    expect(IMAGES.prometheus).toBe(`prom/prometheus:v${pins.debian.prometheus.version}`);
  });
});
