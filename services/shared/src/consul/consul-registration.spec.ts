import pino from 'pino';
import { loadServiceConfig } from '../config/service-config';
import { startHttpStub } from '../testing/http-stub';
import { ConsulRegistration, ConsulRegistrationError } from './consul-registration';

const silent = pino({ level: 'silent' });

describe('ConsulRegistration', () => {
  it('registers with the check, meta and instance id, and deregisters that id', async () => {
    const known = new Set<string>();
    const consul = await startHttpStub((req, res) => {
      if (req.url === '/v1/agent/service/register') known.add((JSON.parse(req.body) as { ID: string }).ID);
      res.end();
    });
    try {
      const config = loadServiceConfig(
        { name: 'user', port: 3002, sidecarPort: 21002 },
        { CONSUL_HTTP_ADDR: `127.0.0.1:${consul.port}`, NODE_ADDRESS: '10.0.0.7', BIND_ADDRESS: '0.0.0.0', CONSUL_HTTP_TOKEN: 'tok', SERVICE_VERSION: 'v2' },
      );
      const registration = new ConsulRegistration(config, silent, { watchdogIntervalMs: 0 });
      await registration.register();
      await registration.deregister();

      expect(consul.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /v1/agent/service/register', 'PUT /v1/agent/service/deregister/user-10.0.0.7-3002']);
      expect(consul.requests[0]?.headers['x-consul-token']).toBe('tok');
      expect(JSON.parse(consul.requests[0]?.body ?? '')).toEqual({
        ID: 'user-10.0.0.7-3002',
        Name: 'user',
        Address: '10.0.0.7',
        Port: 3002,
        Tags: [],
        Meta: { sidecar_port: '21002', protocol: 'http', version: 'v2' },
        Check: {
          CheckID: 'user-10.0.0.7-3002:http',
          Name: 'user /health',
          HTTP: 'http://10.0.0.7:3002/health',
          Interval: '2s',
          Timeout: '1s',
          DeregisterCriticalServiceAfter: '1m',
        },
      });
    } finally {
      await consul.close();
    }
  });

  it('registers again when the agent forgot the instance', async () => {
    let registered = 0;
    const consul = await startHttpStub((req, res) => {
      if (req.url === '/v1/agent/service/register') registered += 1;
      // The agent's list of its services, filtered to this instance, no longer holds it.
      res.setHeader('content-type', 'application/json');
      res.end(req.method === 'GET' ? '{}' : '');
    });
    try {
      const config = loadServiceConfig({ name: 'auth', port: 3001, sidecarPort: 21001 }, { CONSUL_HTTP_ADDR: `http://127.0.0.1:${consul.port}` });
      const registration = new ConsulRegistration(config, silent, { watchdogIntervalMs: 0 });
      await registration.register();
      await registration.ensureRegistered();
      expect(registered).toBe(2);
      expect(consul.requests[1]).toMatchObject({ method: 'GET', url: `/v1/agent/services?filter=${encodeURIComponent('ID == "auth-127.0.0.1-3001"')}` });
    } finally {
      await consul.close();
    }
  });

  it('gives up after its deadline with an error naming the agent and the fix', async () => {
    const consul = await startHttpStub((_req, res) => {
      res.statusCode = 500;
      res.end('ACL not found');
    });
    try {
      const config = loadServiceConfig({ name: 'auth', port: 3001, sidecarPort: 21001 }, { CONSUL_HTTP_ADDR: `http://127.0.0.1:${consul.port}` });
      const registration = new ConsulRegistration(config, silent, { registerTimeoutMs: 300, watchdogIntervalMs: 0 });
      const failure = registration.register();
      await expect(failure).rejects.toBeInstanceOf(ConsulRegistrationError);
      await expect(failure).rejects.toThrow(/HTTP 500: ACL not found.*CONSUL_HTTP_ADDR/);
      expect(registration.isRegistered).toBe(false);
    } finally {
      await consul.close();
    }
  });
});
