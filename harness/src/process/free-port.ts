import { createServer, type Server } from 'node:net';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Ports this process has handed out or been told are spoken for. */
const reserved = new Set<number>();

/**
 * Marks ports as spoken for, e.g. every fixed port of `mesh up` before its first component
 * starts: until a component binds its port, the kernel may still offer it as free.
 */
export function reservePorts(ports: Iterable<number>): void {
  for (const port of ports) reserved.add(port);
}

async function kernelPorts(count: number, host: string): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(0, host));
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/**
 * `count` distinct free ports that this process has not handed out or reserved before: a
 * port given to a component that has not bound it yet is free to the kernel, and must not
 * go to a second component.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    for (const port of await kernelPorts(count - ports.length, host)) {
      if (reserved.has(port)) continue;
      reserved.add(port);
      ports.push(port);
    }
  }
  return ports;
}

/** A port for every key: the fixed one where given (and reserved), a free one otherwise. */
export async function allocatePorts<K extends string>(keys: readonly K[], fixed: Partial<Record<K, number>> = {}): Promise<Record<K, number>> {
  reservePorts(Object.values<number | undefined>(fixed).filter((p): p is number => p !== undefined));
  const missing = keys.filter((k) => fixed[k] === undefined);
  const free = await freePorts(missing.length);
  const ports = { ...fixed } as Record<K, number>;
  missing.forEach((key, i) => (ports[key] = free[i] as number));
  return ports;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port as number;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly purpose: string,
  ) {
    super(
      `port ${port} (${purpose}) is already in use. Stop whatever listens there ` +
        `(\`ss -ltnp 'sport = :${port}'\` shows it) or choose another port with the option named in parentheses.`,
    );
  }
}

/** Fails fast, with the port's purpose named, when a fixed port is taken. */
export async function assertPortsFree(ports: Record<string, number>, host = '127.0.0.1'): Promise<void> {
  for (const [purpose, port] of Object.entries(ports)) {
    try {
      await close(await listen(port, host));
    } catch {
      throw new PortInUseError(port, purpose);
    }
  }
}
