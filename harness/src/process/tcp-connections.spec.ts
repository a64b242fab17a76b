import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { sampleTcpConnections, tcpConnectionsTo } from './tcp-connections';

describe('tcpConnectionsTo', () => {
  it('counts this process’s established connections to a port, and only those', async () => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(tcpConnectionsTo(process.pid, port)).toBe(0);
    const open = () =>
      new Promise<Socket>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
      });
    const clients = await Promise.all([open(), open(), open()]);
    const sampler = sampleTcpConnections(process.pid, port, 5);
    // The server's accepted ends are local port `port`, not remote: they do not count.
    expect(tcpConnectionsTo(process.pid, port)).toBe(3);
    expect(sampler.max).toBe(3);
    sampler.stop();
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(tcpConnectionsTo(process.pid, 1)).toBe(0);
  });

  it('reads 0 for a process that does not exist', () => {
    expect(tcpConnectionsTo(2 ** 22 + 12345, 80)).toBe(0);
  });
});
