import { workerConfigFromEnv, WorkerConfigError } from './worker-config';

describe('workerConfigFromEnv', () => {
  it('defaults to the local mesh: Consul on 8500, Temporal on 7233, the outbound listener on 15001, the onboarding queue', () => {
    const config = workerConfigFromEnv({});
    expect(config).toMatchObject({
      service: 'workflows',
      httpPort: 3006,
      sidecarPort: undefined,
      outboundPort: 15001,
      consulAddr: 'http://127.0.0.1:8500',
      temporalAddress: '127.0.0.1:7233',
      taskQueue: 'onboarding',
    });
  });

  it('accepts CONSUL_HTTP_ADDR without a scheme, as the consul CLI does', () => {
    expect(workerConfigFromEnv({ CONSUL_HTTP_ADDR: '127.0.0.1:9500' }).consulAddr).toBe('http://127.0.0.1:9500');
  });

  it('names the variable and the expectation when a port is not a port', () => {
    expect(() => workerConfigFromEnv({ MESH_SIDECAR_PORT: 'abc' })).toThrow(WorkerConfigError);
    expect(() => workerConfigFromEnv({ MESH_OUTBOUND_PORT: '70000' })).toThrow(/MESH_OUTBOUND_PORT="70000".*TCP port/);
  });
});
