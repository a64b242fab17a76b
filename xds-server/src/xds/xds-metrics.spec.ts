import { CONSUL_WATCH_ENDPOINTS, XdsMetrics } from './xds-metrics';

describe('XdsMetrics', () => {
  it('starts with a zero series for every NACK type and Consul watch endpoint', async () => {
    const lines = (await new XdsMetrics().registry.metrics()).split('\n');
    for (const type of ['CDS', 'EDS', 'LDS', 'SRDS', 'RDS', 'SDS']) expect(lines).toContain(`mesh_xds_nacks_total{type="${type}"} 0`);
    for (const endpoint of CONSUL_WATCH_ENDPOINTS) expect(lines).toContain(`mesh_consul_watch_errors_total{endpoint="${endpoint}"} 0`);
  });
});
