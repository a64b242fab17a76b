import Consul from 'consul';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';

// The package's typings do not export the type of register()'s options; take it from its overloads.
type Register = Consul['agent']['service']['register'];
type RegisterOptions = Register extends { (options: infer A): unknown; (options: infer B): unknown } ? Exclude<A | B, string> : never;

export class ConsulRegistrationError extends Error {
  constructor(operation: string, consul: string, cause: string) {
    super(`Consul ${operation} at ${consul} failed: ${cause}. Check that the local Consul agent runs and CONSUL_HTTP_ADDR (and CONSUL_HTTP_TOKEN with ACLs) point at it.`);
    this.name = 'ConsulRegistrationError';
  }
}

/** The registration of this instance, as the consul package takes it (it writes the agent API's field names). */
export function registrationBody(config: ServiceConfig): RegisterOptions {
  return {
    id: config.instanceId,
    name: config.name,
    address: config.nodeAddress,
    port: config.port,
    tags: config.tags,
    meta: {
      sidecar_port: String(config.sidecarPort),
      protocol: config.protocol,
      version: config.version,
    },
    // An HTTP check is a GET unless it names another method.
    check: {
      checkid: `${config.instanceId}:http`,
      name: `${config.name} /health`,
      http: config.consul.checkUrl,
      interval: config.consul.checkInterval,
      timeout: config.consul.checkTimeout,
      deregistercriticalserviceafter: config.consul.deregisterCriticalAfter,
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
  private readonly consul: Consul;

  constructor(
    private readonly config: ServiceConfig,
    private readonly logger: Logger,
    private readonly options: ConsulRegistrationOptions = {},
  ) {
    const agent = new URL(config.consul.address);
    // papi, under the consul package, takes a client-wide request timeout its typings leave out.
    const clientOptions: ConstructorParameters<typeof Consul>[0] & { timeout: number } = {
      host: agent.hostname,
      port: Number(agent.port || (agent.protocol === 'https:' ? 443 : 80)),
      secure: agent.protocol === 'https:',
      timeout: REQUEST_TIMEOUT_MS,
      ...(config.consul.token ? { defaults: { token: config.consul.token } } : {}),
    };
    this.consul = new Consul(clientOptions);
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  async register(): Promise<void> {
    const deadline = Date.now() + (this.options.registerTimeoutMs ?? 30_000);
    let delay = 200;
    for (;;) {
      try {
        await this.call('registration', () => this.consul.agent.service.register(registrationBody(this.config)));
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
    try {
      await this.call('deregistration', () => this.consul.agent.service.deregister(this.config.instanceId));
    } finally {
      // The last call: close the client's keep-alive connection to the agent.
      this.consul.destroy();
    }
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
      const known = await this.consul.agent.service.list({ filter: `ID == ${JSON.stringify(this.config.instanceId)}` });
      if (!(this.config.instanceId in known) && this.registered) {
        this.logger.warn({ serviceId: this.config.instanceId }, 'the Consul agent forgot this instance; registering again');
        await this.call('registration', () => this.consul.agent.service.register(registrationBody(this.config)));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Consul agent unreachable; will check the registration again');
    }
  }

  private async call(operation: string, request: () => Promise<unknown>): Promise<void> {
    try {
      await request();
    } catch (error) {
      throw new ConsulRegistrationError(operation, this.config.consul.address, consulFailure(error));
    }
  }
}

const REQUEST_TIMEOUT_MS = 5000;

/** The consul package's errors carry the HTTP answer, or the socket error as their cause. */
function consulFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { response?: { statusCode?: number; body?: unknown } }).response;
  if (response?.statusCode !== undefined) {
    const body = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
    return `HTTP ${response.statusCode}: ${body.trim()}`;
  }
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
