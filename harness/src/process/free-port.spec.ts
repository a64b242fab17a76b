import { createServer } from 'node:net';
import { allocatePorts, assertPortsFree, freePorts, PortInUseError } from './free-port';

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

describe('allocatePorts', () => {
  it('keeps the fixed ports and gives every other key a distinct free port that is none of them', async () => {
    const fixed = await freePorts(3);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const ports = await allocatePorts(keys, { k0: fixed[0], k1: fixed[1], k2: fixed[2] });
    expect([ports.k0, ports.k1, ports.k2]).toEqual(fixed);
    expect(new Set(Object.values(ports)).size).toBe(20);
  });
});
