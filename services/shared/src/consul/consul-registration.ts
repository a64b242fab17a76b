import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';

export class ConsulRegistrationError extends Error {
  constructor(operation: string, consul: string, cause: string) {
    super(`Consul ${operation} at ${consul} failed: ${cause}. Check that the local Consul agent runs and CONSUL_HTTP_ADDR (and CONSUL_HTTP_TOKEN with ACLs) point at it.`);
    this.name = 'ConsulRegistrationError';
  }
}

/** The body of PUT /v1/agent/service/register for this instance. */
export function registrationBody(config: ServiceConfig): Record<string, unknown> {
  return {
    ID: config.instanceId,
    Name: config.name,
    Address: config.nodeAddress,
    Port: config.port,
    Tags: config.tags,
    Meta: {
      sidecar_port: String(config.sidecarPort),
      protocol: config.protocol,
      version: config.version,
    },
    Check: {
      CheckID: `${config.instanceId}:http`,
      Name: `${config.name} /health`,
      HTTP: config.consul.checkUrl,
      Method: 'GET',
      Interval: config.consul.checkInterval,
      Timeout: config.consul.checkTimeout,
      DeregisterCriticalServiceAfter: config.consul.deregisterCriticalAfter,
    },
  };
}

export interface ConsulRegistrationOptions {
  /** How long register() keeps retrying while the agent is unreachable (default 30 s). */
  registerTimeoutMs?: number;
  /** Period of the check that re-registers after an agent restart lost us (default 15 s; 0 disables). */
  watchdogIntervalMs?: number;
}

/**
 * Registers this instance with the local Consul agent, keeps it registered (an agent
 * restarted without state forgets its services), and deregisters it on shutdown.
 */
export class ConsulRegistration {
  private watchdog: NodeJS.Timeout | undefined;
  private registered = false;

  constructor(
    private readonly config: ServiceConfig,
    private readonly logger: Logger,
    private readonly options: ConsulRegistrationOptions = {},
  ) {}

  get isRegistered(): boolean {
    return this.registered;
  }

  async register(): Promise<void> {
    const deadline = Date.now() + (this.options.registerTimeoutMs ?? 30_000);
    let delay = 200;
    for (;;) {
      try {
        await this.put('/v1/agent/service/register', registrationBody(this.config), 'registration');
        break;
      } catch (error) {
        if (Date.now() + delay > deadline) throw error;
        this.logger.warn({ err: error, retryInMs: delay }, 'Consul registration failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
    this.registered = true;
    this.logger.info({ consul: this.config.consul.address, serviceId: this.config.instanceId, check: this.config.consul.checkUrl }, 'registered in Consul');
    this.startWatchdog();
  }

  async deregister(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (!this.registered) return;
    this.registered = false;
    await this.put(`/v1/agent/service/deregister/${encodeURIComponent(this.config.instanceId)}`, undefined, 'deregistration');
    this.logger.info({ serviceId: this.config.instanceId }, 'deregistered from Consul');
  }

  private startWatchdog(): void {
    const every = this.options.watchdogIntervalMs ?? 15_000;
    if (every <= 0) return;
    this.watchdog = setInterval(() => void this.ensureRegistered(), every);
    this.watchdog.unref();
  }

  /** Re-registers when the agent no longer knows this instance. */
  async ensureRegistered(): Promise<void> {
    if (!this.registered) return;
    try {
      const response = await fetch(`${this.config.consul.address}/v1/agent/service/${encodeURIComponent(this.config.instanceId)}`, { headers: this.headers() });
      if (response.status === 404 && this.registered) {
        this.logger.warn({ serviceId: this.config.instanceId }, 'the Consul agent forgot this instance; registering again');
        await this.put('/v1/agent/service/register', registrationBody(this.config), 'registration');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Consul agent unreachable; will check the registration again');
    }
  }

  private headers(): Record<string, string> {
    return this.config.consul.token ? { 'X-Consul-Token': this.config.consul.token } : {};
  }

  private async put(path: string, body: unknown, operation: string): Promise<void> {
    const url = `${this.config.consul.address}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', ...this.headers() },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new ConsulRegistrationError(operation, this.config.consul.address, error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error));
    }
    if (!response.ok) {
      throw new ConsulRegistrationError(operation, this.config.consul.address, `HTTP ${response.status}: ${(await response.text()).trim()}`);
    }
  }
}
