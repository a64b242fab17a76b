import type { Resource } from '../resources/resource';
import type { NodeView } from '../resources/node-view';
import { ResourceIndex } from '../resources/resource-index';
import type { TypeUrl } from '../resources/type-url';

/** Shared by the SotW and Delta state-machine specs. */
export const AT = new Date('2025-01-02T03:04:05Z');

export function res(typeUrl: TypeUrl, name: string, version: string): Resource {
  return { typeUrl, name, version, bytes: Buffer.from(`${name}@${version}`) };
}

/** A mutable NodeView, so a spec can change what the proxy may see between calls. */
export class FakeView implements NodeView {
  private readonly byType = new Map<TypeUrl, Map<string, Resource>>();

  constructor(...resources: Resource[]) {
    this.put(...resources);
  }

  put(...resources: Resource[]): this {
    for (const r of resources) {
      const set = this.byType.get(r.typeUrl) ?? new Map<string, Resource>();
      set.set(r.name, r);
      this.byType.set(r.typeUrl, set);
    }
    return this;
  }

  remove(typeUrl: TypeUrl, name: string): this {
    this.byType.get(typeUrl)?.delete(name);
    return this;
  }

  resources(typeUrl: TypeUrl): ResourceIndex {
    return ResourceIndex.of(this.byType.get(typeUrl)?.values() ?? []);
  }

  resource(typeUrl: TypeUrl, name: string): Resource | undefined {
    return this.byType.get(typeUrl)?.get(name);
  }
}

/** A counter nonce source, so expected nonces in a spec read n1, n2, ... */
export function counterNonces(): { newNonce: () => string; now: () => Date } {
  let n = 0;
  return { newNonce: () => `n${++n}`, now: () => AT };
}
