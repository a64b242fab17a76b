import type { MeshModel, ServiceModel } from '../translate/model';
import type { MeshConfigModel } from '../translate/policy-model';
import type { TracingModel } from '../translate/tracing';
import type { SpanContext } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracer';
import { MeshSnapshot } from './mesh-snapshot';

export interface MeshChange {
  snapshot: MeshSnapshot;
  /** The translation's span: pushes of this change are its children. */
  trace: SpanContext;
  /** When the input change was observed (process.hrtime.bigint()), for propagation metrics. */
  observedAt: bigint;
}

type Listener = (change: MeshChange) => void;

/**
 * The current mesh snapshot and the streams that follow it. An update builds the next
 * snapshot once and hands it to every stream synchronously: there is no debounce, and
 * each stream's own queue coalesces bursts.
 */
export class MeshState {
  private current = MeshSnapshot.build({ services: new Map() });
  private readonly listeners = new Set<Listener>();
  private model: MeshModel = { services: new Map() };
  private config: MeshConfigModel | undefined;
  private readonly readyWaiters: Array<() => void> = [];
  private isReady = false;
  /** Extra services added through the test-only admin hook (MESH_XDS_TEST_HOOKS=1). */
  private readonly injected = new Map<string, ServiceModel>();

  /** `tracing`: where every proxy sends spans (the control plane's --otlp option), or off. */
  constructor(private readonly tracing?: TracingModel) {}

  get snapshot(): MeshSnapshot {
    return this.current;
  }

  /** A new catalog. */
  update(model: MeshModel, observedAt = process.hrtime.bigint()): void {
    this.model = model;
    this.rebuild(observedAt, 'catalog');
  }

  /**
   * A new mesh.config.ts. Before the first catalog it is only stored: readiness still waits
   * for Consul, and the first snapshot carries both.
   */
  updateConfig(config: MeshConfigModel | undefined, observedAt = process.hrtime.bigint()): void {
    this.config = config;
    if (this.isReady) this.rebuild(observedAt, 'config');
  }

  get configVersion(): string | undefined {
    return this.config?.version;
  }

  private rebuild(observedAt: bigint, cause: 'catalog' | 'config' | 'test-hook'): void {
    const services = this.injected.size ? new Map([...this.model.services, ...this.injected]) : this.model.services;
    const model = { services, ...(this.config ? { config: this.config } : {}), ...(this.tracing ? { tracing: this.tracing } : {}) };
    const span = tracer.startSpan('mesh.translate', { attributes: { 'mesh.cause': cause, 'mesh.services': services.size } });
    try {
      this.current = MeshSnapshot.build(model, this.current);
    } finally {
      span.end();
    }
    const change = { snapshot: this.current, observedAt, trace: span.spanContext() };
    if (!this.isReady) {
      this.isReady = true;
      for (const waiter of this.readyWaiters.splice(0)) waiter();
    }
    for (const listener of this.listeners) listener(change);
  }

  /**
   * False until the first catalog has been applied. Until then the snapshot is empty, and
   * serving it would delete every cluster and listener of a proxy that reconnects after a
   * control plane restart.
   */
  get ready(): boolean {
    return this.isReady;
  }

  whenReady(callback: () => void): void {
    if (this.isReady) callback();
    else this.readyWaiters.push(callback);
  }

  /** Test hook: serve an extra service as if Consul had it, e.g. one a proxy must reject. */
  inject(service: ServiceModel): void {
    this.injected.set(service.name, service);
    this.rebuild(process.hrtime.bigint(), 'test-hook');
  }

  removeInjected(name: string): void {
    if (this.injected.delete(name)) this.rebuild(process.hrtime.bigint(), 'test-hook');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
