import { deregisterInstance, inBatches, registerInstance, setTtlCheck } from '../shared/consul-agent';

/** Far from the ephemeral range that freePorts draws from; nothing listens on these. */
const FIRST_PORT = 30_000;

export function serviceName(index: number): string {
  return `cs-${String(index).padStart(4, '0')}`;
}

/** S services with one instance each and a passing TTL check, as mesh services register. */
export async function registerServices(consul: string, services: number): Promise<string[]> {
  const names = Array.from({ length: services }, (_, i) => serviceName(i));
  await inBatches(names, 16, (service, i) => registerInstance(consul, { service, id: `${service}-0`, port: FIRST_PORT + i, ttlCheck: true }));
  return names;
}

/** The changes the scenario times, each a single agent write on one extra instance of one service. */
export class InstanceChanges {
  private serial = 0;

  constructor(
    private readonly consul: string,
    readonly service: string,
  ) {}

  /** Registers a fresh extra instance (with a passing TTL check unless `withCheck` is false); returns its id and port. */
  async register(withCheck = true): Promise<{ id: string; port: number }> {
    this.serial += 1;
    const id = `${this.service}-x${this.serial}`;
    const port = 45_000 + this.serial;
    await registerInstance(this.consul, { service: this.service, id, port, ttlCheck: withCheck });
    return { id, port };
  }

  setCheck(id: string, status: 'pass' | 'fail'): Promise<void> {
    return setTtlCheck(this.consul, id, status);
  }

  deregister(id: string): Promise<void> {
    return deregisterInstance(this.consul, id);
  }
}
