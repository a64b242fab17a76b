import type { MeshDefinition } from '../dsl/mesh-definition';
import { PORTS } from './deploy-conventions';
import { yamlFile, type GeneratedFile } from './generated-file';
import { meshLayout, type MeshLayout } from './mesh-layout';

/** Target labels every panel groups by (grafana.generator.ts relies on them). */
export const SCRAPE_LABELS = { service: 'service', node: 'node', instance: 'instance', version: 'version' } as const;

export const SCRAPE_JOBS = { controlPlane: 'mesh-control-plane', services: 'mesh-services', envoy: 'mesh-envoy' } as const;

/**
 * One job per kind of target, each target with its own labels: the control plane of each
 * node (admin /metrics), each app (/metrics) and each Envoy (`/stats/prometheus` on its
 * metrics listener). `instance` is set to the instance id, so it stays readable.
 */
export function generatePrometheus(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  const controlPlanes = layout.nodes.map((node) => ({
    targets: [`${node.address}:${PORTS.controlPlaneAdmin}`],
    labels: { [SCRAPE_LABELS.instance]: `control-plane-${node.name}`, [SCRAPE_LABELS.node]: node.name, [SCRAPE_LABELS.service]: 'control-plane' },
  }));
  const instanceLabels = (i: (typeof layout.instances)[number]) => ({
    [SCRAPE_LABELS.instance]: i.id,
    [SCRAPE_LABELS.node]: i.node.name,
    [SCRAPE_LABELS.service]: i.service,
    [SCRAPE_LABELS.version]: i.version,
  });
  const apps = layout.instances.map((i) => ({ targets: [`${i.node.address}:${i.port}`], labels: instanceLabels(i) }));
  const envoys = layout.instances.map((i) => ({ targets: [`${i.node.address}:${i.metricsPort}`], labels: instanceLabels(i) }));
  const gateway = layout.gateway;
  if (gateway) {
    envoys.push({
      targets: [`${gateway.node.address}:${gateway.metricsPort}`],
      labels: { [SCRAPE_LABELS.instance]: gateway.id, [SCRAPE_LABELS.node]: gateway.node.name, [SCRAPE_LABELS.service]: gateway.name, [SCRAPE_LABELS.version]: 'edge' },
    });
  }
  return [
    yamlFile(
      'prometheus/prometheus.yml',
      {
        global: { scrape_interval: '15s', scrape_timeout: '10s', evaluation_interval: '15s', external_labels: { mesh: layout.name } },
        scrape_configs: [
          { job_name: 'prometheus', static_configs: [{ targets: [`${layout.controlNode.address}:${PORTS.prometheus}`] }] },
          { job_name: SCRAPE_JOBS.controlPlane, metrics_path: '/metrics', static_configs: controlPlanes },
          { job_name: SCRAPE_JOBS.services, metrics_path: '/metrics', static_configs: apps },
          { job_name: SCRAPE_JOBS.envoy, metrics_path: '/stats/prometheus', static_configs: envoys },
        ],
      },
      [`Prometheus on ${layout.controlNode.name} (${layout.controlNode.address}:${PORTS.prometheus}); check with: promtool check config <this file>`],
    ),
  ];
}
