import { deregisterInstance, inBatches, registerInstance } from '../shared/consul-agent';

/** Far from the ephemeral range that freePorts draws from; nothing listens on these. */
const FIRST_PORT = 30_000;

export function serviceName(index: number): string {
  return `scale-${String(index).padStart(3, '0')}`;
}

/**
 * Whether instances carry a (passing TTL) health check, as a mesh's instances do. The control
 * plane finds a change to a checked instance from the checks' index, and reads just its
 * service; a change to an instance without any check shows only in the catalog's index, so it
 * reads every service to find it (consul-scale measures that path).
 */
export interface CatalogShape {
  checked: boolean;
}

/**
 * S services with one instance each, registered as if each had a sidecar (meta
 * `sidecar_port`), so a simulated client naming one as its node.cluster gets that service's
 * inbound listener, as a real sidecar would.
 */
export async function registerCatalog(consul: string, services: number, shape: CatalogShape = { checked: true }): Promise<string[]> {
  const names = Array.from({ length: services }, (_, i) => serviceName(i));
  await inBatches(names, 16, (service, i) =>
    registerInstance(consul, { service, id: `${service}-0`, port: FIRST_PORT + i, meta: { sidecar_port: String(FIRST_PORT + i) }, ttlCheck: shape.checked }),
  );
  return names;
}

/** The service whose endpoints change: an extra instance comes and goes. */
export class ChangingService {
  private extra: string | undefined;
  private serial = 0;

  constructor(
    private readonly consul: string,
    readonly service: string,
    private readonly shape: CatalogShape = { checked: true },
  ) {}

  async change(): Promise<'register' | 'deregister'> {
    if (this.extra) {
      await deregisterInstance(this.consul, this.extra);
      this.extra = undefined;
      return 'deregister';
    }
    this.serial += 1;
    const id = `${this.service}-extra-${this.serial}`;
    const port = 40_000 + this.serial;
    await registerInstance(this.consul, { service: this.service, id, port, meta: { sidecar_port: String(port) }, ttlCheck: this.shape.checked });
    this.extra = id;
    return 'register';
  }
}

/** A service that did not exist before: registered, measured, then removed again. */
export class AddedService {
  private serial = 0;

  constructor(
    private readonly consul: string,
    private readonly shape: CatalogShape = { checked: true },
  ) {}

  /** The name the next add() registers, so that clients can be armed for it first. */
  nextName(): string {
    return `scale-added-${this.serial + 1}`;
  }

  async add(): Promise<{ service: string; remove: () => Promise<void> }> {
    const service = this.nextName();
    this.serial += 1;
    const id = `${service}-0`;
    const port = 45_000 + this.serial;
    await registerInstance(this.consul, { service, id, port, meta: { sidecar_port: String(port) }, ttlCheck: this.shape.checked });
    return { service, remove: () => deregisterInstance(this.consul, id) };
  }
}
