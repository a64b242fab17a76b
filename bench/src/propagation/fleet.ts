import { deregisterInstance, registerInstance, setTtlCheck } from '../shared/consul-agent';
import { hostSetKey } from './envoy-clusters';

export type ChangeKind = 'register' | 'health-fail' | 'health-pass' | 'deregister';
export const CHANGE_KINDS: readonly ChangeKind[] = ['register', 'health-fail', 'health-pass', 'deregister'];

interface Instance {
  id: string;
  port: number;
  passing: boolean;
}

/**
 * The changing service's instances, each with a TTL check so its health can be flipped.
 * Nothing listens on their ports: Envoy lists EDS members in /clusters whether or not they
 * answer, and no active health checks run, so membership and EDS health are all that move.
 */
export class Fleet {
  private readonly live: Instance[] = [];
  private serial = 0;

  constructor(
    private readonly consul: string,
    readonly service: string,
    private readonly firstPort: number,
  ) {}

  async add(): Promise<void> {
    this.serial += 1;
    const instance = { id: `${this.service}-${this.serial}`, port: this.firstPort + this.serial, passing: true };
    await registerInstance(this.consul, { service: this.service, id: instance.id, port: instance.port, ttlCheck: true });
    this.live.push(instance);
  }

  /**
   * A four-step cycle that keeps the set steady and mixes the three kinds of change: a new
   * instance, the oldest failing its check, the same one passing again, the oldest leaving.
   */
  async change(index: number): Promise<ChangeKind> {
    const kind = CHANGE_KINDS[index % CHANGE_KINDS.length] as ChangeKind;
    const oldest = this.live[0];
    if (kind === 'register') await this.add();
    else if (!oldest) throw new Error(`${this.service}: no instance left to change`);
    else if (kind === 'deregister') {
      await deregisterInstance(this.consul, oldest.id);
      this.live.shift();
    } else {
      const passing = kind === 'health-pass';
      await setTtlCheck(this.consul, oldest.id, passing ? 'pass' : 'fail');
      oldest.passing = passing;
    }
    return kind;
  }

  /** The hosts every Envoy should route to: the passing instances. */
  expectedHealthy(): string {
    return hostSetKey(this.live.filter((i) => i.passing).map((i) => `127.0.0.1:${i.port}`));
  }
}
