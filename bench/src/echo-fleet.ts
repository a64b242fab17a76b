import { deregisterInstance, registerInstance } from './consul-agent';
import { hostSetKey } from './envoy-clusters';

export type ChangeKind = 'register' | 'deregister';

interface Instance {
  id: string;
  port: number;
}

/**
 * The changing service's instances. Nothing listens on their ports: Envoy lists EDS members in
 * /clusters whether or not they answer, and no health checks run, so membership is all that moves.
 */
export class EchoFleet {
  private readonly live: Instance[] = [];
  private serial = 0;

  constructor(
    private readonly consul: string,
    readonly service: string,
    private readonly firstPort: number,
  ) {}

  async add(): Promise<void> {
    this.serial += 1;
    const instance = { id: `${this.service}-${this.serial}`, port: this.firstPort + this.serial };
    await registerInstance(this.consul, this.service, instance.id, instance.port);
    this.live.push(instance);
  }

  async removeOldest(): Promise<void> {
    const oldest = this.live[0];
    if (!oldest) throw new Error(`${this.service}: no instance left to deregister`);
    await deregisterInstance(this.consul, oldest.id);
    this.live.shift();
  }

  /** Alternates so the set size stays steady: even changes add, odd changes remove the oldest. */
  async change(index: number): Promise<ChangeKind> {
    if (index % 2 === 0) {
      await this.add();
      return 'register';
    }
    await this.removeOldest();
    return 'deregister';
  }

  expectedHostSet(): string {
    return hostSetKey(this.live.map((i) => `127.0.0.1:${i.port}`));
  }
}
