import { loadServiceConfig } from './service-config';
import { ConfigError } from './env';

const defaults = { name: 'approval', port: 3004, sidecarPort: 21004 };

describe('loadServiceConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadServiceConfig(defaults, {});
    expect(config).toMatchObject({
      name: 'approval',
      port: 3004,
      sidecarPort: 21004,
      bindAddress: '127.0.0.1',
      nodeAddress: '127.0.0.1',
      instanceId: 'approval-127.0.0.1-3004',
      version: 'v1',
      protocol: 'http',
      outbound: { address: '127.0.0.1', port: 15001, timeoutMs: 5000 },
      consul: { register: true, address: 'http://127.0.0.1:8500', checkUrl: 'http://127.0.0.1:3004/health', checkInterval: '2s' },
      jwt: { usingDevSecret: true },
    });
    expect(config.dataDir.endsWith('.data')).toBe(true);
  });

  it('reads the environment', () => {
    const config = loadServiceConfig(defaults, {
      PORT: '4004',
      SERVICE_NAME: 'approval',
      SERVICE_ID: 'approval-2',
      MESH_SIDECAR_PORT: '22004',
      MESH_OUTBOUND_PORT: '15101',
      CONSUL_HTTP_ADDR: '127.0.0.1:18500',
      NODE_ADDRESS: '10.1.2.3',
      BIND_ADDRESS: '0.0.0.0',
      MESH_DATA_DIR: '/var/lib/mesh',
      JWT_SECRET: 'x'.repeat(32),
      SERVICE_TAGS: 'canary, blue',
    });
    expect(config).toMatchObject({
      port: 4004,
      instanceId: 'approval-2',
      sidecarPort: 22004,
      outbound: { port: 15101 },
      consul: { address: 'http://127.0.0.1:18500', checkUrl: 'http://10.1.2.3:4004/health' },
      dataDir: '/var/lib/mesh',
      tags: ['canary', 'blue'],
      jwt: { secret: 'x'.repeat(32), usingDevSecret: false },
    });
    expect(config.sqlitePath).toBe('/var/lib/mesh/approval.sqlite');
    expect(loadServiceConfig(defaults, { SQLITE_PATH: ':memory:' }).sqlitePath).toBe(':memory:');
  });

  it.each([
    ['PORT', 'eighty', /PORT="eighty" is invalid: expected an integer between 1 and 65535/],
    ['MESH_SIDECAR_PORT', '70000', /MESH_SIDECAR_PORT="70000"/],
    ['CONSUL_REGISTER', 'maybe', /CONSUL_REGISTER="maybe" is invalid: expected true or false/],
    ['CONSUL_CHECK_INTERVAL', '2', /a duration such as 500ms/],
    ['JWT_SECRET', 'short', /at least 32 characters/],
    ['CONSUL_HTTP_ADDR', 'http://consul:8500/v1', /without a path/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadServiceConfig(defaults, { [name]: value })).toThrow(ConfigError);
    expect(() => loadServiceConfig(defaults, { [name]: value })).toThrow(message);
  });

  it('refuses the development JWT secret in production', () => {
    expect(() => loadServiceConfig(defaults, { NODE_ENV: 'production' })).toThrow(/JWT_SECRET.*required when NODE_ENV=production/);
  });
});
