import { Agent, get } from 'node:http';

/**
 * The bench's own blocking query on the changing service's health, like the one our control
 * plane holds: how long Consul takes to answer it after a write is the share of a
 * propagation that is Consul's before any control plane sees the change.
 */
export class HealthWatch {
  private index = '0';
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly consul: string,
    private readonly service: string,
  ) {}

  /** Reads the current index; the next `next()` blocks until it moves. */
  async prime(): Promise<void> {
    await this.query('0');
  }

  /** Resolves with performance.now() when Consul answers a change past the last index. */
  next(): Promise<number> {
    return this.query(this.index);
  }

  close(): void {
    this.agent.destroy();
  }

  private query(index: string): Promise<number> {
    const url = `${this.consul}/v1/health/service/${encodeURIComponent(this.service)}?index=${index}&wait=30s`;
    return new Promise((resolve, reject) => {
      const request = get(url, { agent: this.agent }, (response) => {
        response.resume();
        response.on('end', () => {
          const at = performance.now();
          this.index = String(response.headers['x-consul-index'] ?? this.index);
          resolve(at);
        });
      });
      request.on('error', reject);
    });
  }
}
