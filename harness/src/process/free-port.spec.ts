import { createServer } from 'node:net';
import { assertPortsFree, freePorts, PortInUseError } from './free-port';

describe('freePorts', () => {
  it('hands out distinct ports that can be bound', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    await expect(assertPortsFree(Object.fromEntries(ports.map((p) => [`p${p}`, p])))).resolves.toBeUndefined();
  });
});

describe('assertPortsFree', () => {
  it('names the purpose of a port that is taken', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const check = assertPortsFree({ 'Consul HTTP, --consul-port': port });
      await expect(check).rejects.toThrow(PortInUseError);
      await expect(check).rejects.toThrow(`port ${port} (Consul HTTP, --consul-port) is already in use`);
    } finally {
      server.close();
    }
  });
});
