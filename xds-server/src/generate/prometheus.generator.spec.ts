import type { MeshDefinition } from '../dsl/mesh-definition';
import { deployedScrapeTargets, localScrapeTargets, meshScrapeJobs, SCRAPE_JOBS } from './prometheus.generator';

const mesh: MeshDefinition = {
  name: 't',
  nodes: { a: { address: '10.0.0.1', arch: 'arm64' } },
  services: {
    api: { nodes: ['a'], port: 3100, sidecar: { port: 21000, adminPort: 19100 }, meta: { version: 'v3' } },
    web: { nodes: ['a'], port: 3200, sidecar: { port: 21001, adminPort: 19101, outboundPort: 15002 } },
  },
  gateway: { node: 'a', port: 8080, adminPort: 19000, routes: [] },
};

describe('Prometheus scrape targets', () => {
  it('a deployment scrapes each Envoy on its metrics listener (adminPort + 1000)', () => {
    const targets = deployedScrapeTargets(mesh);
    expect(targets.envoys.map((g) => g.targets[0])).toEqual(['10.0.0.1:20100', '10.0.0.1:20101', '10.0.0.1:20000']);
    expect(targets.controlPlanes).toEqual([{ targets: ['10.0.0.1:18001'], labels: { instance: 'control-plane-a', node: 'a', service: 'control-plane' } }]);
  });

  it('a local run: the same jobs and labels, on the ports the run got, each Envoy scraped on its admin port', () => {
    const jobs = meshScrapeJobs(
      localScrapeTargets(mesh, {
        controlPlaneAdmin: '127.0.0.1:41001',
        instances: [
          { service: 'web', id: 'web-1', app: '127.0.0.1:41003', envoyAdmin: '127.0.0.1:41004' },
          { service: 'api', id: 'api-1', app: '127.0.0.1:41005', envoyAdmin: '127.0.0.1:41006' },
          { service: 'extra', id: 'extra-1', app: '127.0.0.1:41007', envoyAdmin: '127.0.0.1:41008' },
        ],
        gateway: { id: 'gateway-1', envoyAdmin: '127.0.0.1:41002' },
      }),
    );
    expect(jobs.map((j) => [j.job_name, j.metrics_path])).toEqual([
      [SCRAPE_JOBS.controlPlane, '/metrics'],
      [SCRAPE_JOBS.services, '/metrics'],
      [SCRAPE_JOBS.envoy, '/stats/prometheus'],
    ]);
    const [controlPlane, apps, envoys] = jobs;
    expect(controlPlane!.static_configs).toEqual([{ targets: ['127.0.0.1:41001'], labels: { instance: 'control-plane-local', node: 'local', service: 'control-plane' } }]);
    // Sorted by instance id; the version comes from the definition, the default for an undeclared service.
    expect(apps!.static_configs).toEqual([
      { targets: ['127.0.0.1:41005'], labels: { instance: 'api-1', node: 'local', service: 'api', version: 'v3' } },
      { targets: ['127.0.0.1:41007'], labels: { instance: 'extra-1', node: 'local', service: 'extra', version: 'v1' } },
      { targets: ['127.0.0.1:41003'], labels: { instance: 'web-1', node: 'local', service: 'web', version: 'v1' } },
    ]);
    expect(envoys!.static_configs.map((g) => [g.targets[0], g.labels.service])).toEqual([
      ['127.0.0.1:41006', 'api'],
      ['127.0.0.1:41008', 'extra'],
      ['127.0.0.1:41004', 'web'],
      ['127.0.0.1:41002', 'gateway'],
    ]);
  });

  it('without a definition or services: the control plane alone', () => {
    const jobs = meshScrapeJobs(localScrapeTargets(undefined, { controlPlaneAdmin: '127.0.0.1:18001', instances: [] }));
    expect(jobs.map((j) => j.static_configs.length)).toEqual([1, 0, 0]);
  });
});
