import type { Intention } from '../consul/connect-intentions';
import type { ConnectCaSnapshot } from '../consul/connect-ca-snapshot';
import { type ConsulConfigEntries, NO_CONFIG_ENTRIES } from '../consul/config-entries';
import { applyConfigEntries, type ConfigEntriesOutcome, entryProtocol } from './config-entry-policy';
import { configProblems, policySources, type PolicySources } from './policy-sources';
import type { MeshModel, ServiceModel } from './model';
import { certificateSubjects, meshIdentity, mtlsInUse } from './mtls';
import type { MeshConfigModel } from './policy-model';
import type { TracingModel } from './tracing';
import type { SpanContext } from '@opentelemetry/api';
import { tracer } from '../telemetry/tracer';
import { MeshSnapshot } from './mesh-snapshot';
import { type IngressGatewayModel, ingressGateways, unservedGateways } from './ingress-gateway';

export interface MeshChange {
  snapshot: MeshSnapshot;
  /** The translation's span: pushes of this change are its children. */
  trace: SpanContext;
  /** When the input change was observed (process.hrtime.bigint()), for propagation metrics. */
  observedAt: bigint;
}

type Listener = (change: MeshChange) => void;
type SubjectsListener = (services: readonly string[]) => void;

export interface MeshStateOptions {
  /**
   * A config file is coming (`mesh xds --config`): stay not ready until it is applied, so that
   * no proxy is ever served the mesh without its policies (e.g. plaintext where it says strict).
   */
  awaitConfig?: boolean;
  /** Consul's config entries are followed: stay not ready until their first answers are in. */
  awaitConfigEntries?: boolean;
}

/**
 * The current mesh snapshot and the streams that follow it. An update builds the next
 * snapshot once and hands it to every stream synchronously: there is no debounce, and
 * each stream's own queue coalesces bursts.
 *
 * mTLS readiness: a config that puts any destination in `strict` or `permissive` mode is
 * applied only once the Connect CA snapshot has given the mesh its SPIFFE identity (trust
 * domain and datacenter, read from the leaves). Until then it waits as `pendingConfig`: at
 * start the mesh stays not ready (proxies get nothing, as while the first catalog is
 * pending); on a reload the previous config keeps serving. So no proxy ever gets plaintext
 * where the config says mTLS. A leaf that is not in yet needs no holding: a listener or
 * cluster naming a secret stays warming in Envoy until SDS delivers it.
 */
export class MeshState {
  private current = MeshSnapshot.build({ services: new Map() });
  private intentions: readonly Intention[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly subjectListeners = new Set<SubjectsListener>();
  private subjects: readonly string[] = [];
  private model: MeshModel = { services: new Map() };
  private config: MeshConfigModel | undefined;
  private pending: MeshConfigModel | undefined;
  private ca: ConnectCaSnapshot | undefined;
  private catalogIn = false;
  private entries: ConsulConfigEntries = NO_CONFIG_ENTRIES;
  private entriesIn = false;
  private outcome: { dsl: MeshConfigModel | undefined; entries: ConsulConfigEntries; outcome: ConfigEntriesOutcome } | undefined;
  /** Service models with the protocol the config entries give them, kept while the inputs are the same objects. */
  private readonly withProtocol = new WeakMap<ServiceModel, ServiceModel>();
  private configApplied = false;
  private readonly readyWaiters: Array<() => void> = [];
  private isReady = false;
  /** The ingress gateways' entries as the last snapshot serves them, and what they could not serve. */
  private ingress: { gateways: ReadonlyMap<string, IngressGatewayModel>; problems: readonly string[] } = { gateways: new Map(), problems: [] };
  /** Extra services added through the test-only admin hook (MESH_XDS_TEST_HOOKS=1). */
  private readonly injected = new Map<string, ServiceModel>();

  /** `tracing`: where every proxy sends spans (`mesh xds --proxy-otlp`), or off. */
  constructor(
    private readonly tracing?: TracingModel,
    private readonly options: MeshStateOptions = {},
  ) {}

  get snapshot(): MeshSnapshot {
    return this.current;
  }

  /** A new catalog. */
  update(model: MeshModel, observedAt = process.hrtime.bigint()): void {
    this.model = model;
    this.catalogIn = true;
    this.noteSubjects();
    this.changed(observedAt, 'catalog');
  }

  /**
   * A new mesh.config.ts. Before the first catalog it is only stored: readiness still waits
   * for Consul, and the first snapshot carries both. One that needs mTLS waits for the CA.
   */
  updateConfig(config: MeshConfigModel | undefined, observedAt = process.hrtime.bigint()): void {
    if (mtlsInUse(config) && !meshIdentity(this.ca)) {
      this.pending = config;
    } else {
      this.config = config;
      this.pending = undefined;
      this.configApplied = true;
    }
    this.noteSubjects();
    this.changed(observedAt, 'config');
  }

  /** Consul's config entries changed (`consul config write` / `delete`), or their first answers are in. */
  updateConfigEntries(entries: ConsulConfigEntries, observedAt = process.hrtime.bigint()): void {
    this.entries = entries;
    this.entriesIn = true;
    this.changed(observedAt, 'config-entries');
  }

  /** mesh.config.ts with the config entries applied, where each policy part comes from, and what was reported. */
  get configEntries(): ConfigEntriesOutcome {
    let memo = this.outcome;
    if (memo === undefined || memo.dsl !== this.config || memo.entries !== this.entries) {
      memo = this.outcome = { dsl: this.config, entries: this.entries, outcome: applyConfigEntries(this.config, this.entries) };
    }
    return memo.outcome;
  }

  /** Where each part of `service`'s policy comes from; undefined when neither mesh.config.ts nor an entry sets it. */
  policySources(service: string): PolicySources | undefined {
    return policySources(this.config, this.configEntries, service);
  }

  /** What is not served as written: config-entry overlaps and ignored fields, and ignored parts of Connect registrations. */
  get configProblems(): string[] {
    return [
      ...configProblems(this.configEntries, this.model.connectProxies, (service) => this.model.services.get(service)?.protocol),
      ...this.ingress.problems,
      ...unservedGateways(this.model.gateways?.values() ?? [], this.ingress.gateways),
    ];
  }

  /** Consul's intentions changed (created, edited or deleted with the CLI, the UI or a config entry). */
  updateIntentions(intentions: readonly Intention[], observedAt = process.hrtime.bigint()): void {
    this.intentions = intentions;
    this.changed(observedAt, 'intentions');
  }

  /** A new Connect CA snapshot: renewed leaves, a rotated root, or the first certificates. */
  updateCa(ca: ConnectCaSnapshot, observedAt = process.hrtime.bigint()): void {
    this.ca = ca;
    if (this.pending && meshIdentity(ca)) {
      this.config = this.pending;
      this.pending = undefined;
      this.configApplied = true;
    }
    this.changed(observedAt, 'ca');
  }

  /** The version of the config being served. */
  get configVersion(): string | undefined {
    return this.config?.version;
  }

  /** A config that needs mTLS and waits for the Connect CA; the one before it (if any) keeps serving. */
  get pendingConfigVersion(): string | undefined {
    return this.pending?.version;
  }

  /** Whether the config being served, or the one waiting, has a destination in `strict` or `permissive` mode. */
  get mtlsInUse(): boolean {
    return mtlsInUse(this.pending ?? this.config);
  }

  /**
   * The services that need a leaf certificate (see certificateSubjects), now and on every
   * change. Follows the newest config, pending or not, so its leaves are fetched while it waits.
   */
  watchCertificateSubjects(listener: SubjectsListener): () => void {
    this.subjectListeners.add(listener);
    listener(this.subjects);
    return () => this.subjectListeners.delete(listener);
  }

  private noteSubjects(): void {
    const gateways = [...(this.model.gateways?.values() ?? [])].map((g) => g.service);
    const services = [...this.model.services.keys(), ...this.injected.keys(), ...gateways];
    const subjects = certificateSubjects(services, this.pending ?? this.config);
    if (subjects.join('\n') === this.subjects.join('\n')) return;
    this.subjects = subjects;
    for (const listener of this.subjectListeners) listener(subjects);
  }

  /** Rebuilds once ready; becomes ready when the catalog, and the config if one is awaited, are applied. */
  private changed(observedAt: bigint, cause: 'catalog' | 'config' | 'config-entries' | 'ca' | 'intentions' | 'test-hook'): void {
    if (!this.isReady) {
      const configReady = this.configApplied || (!this.options.awaitConfig && this.pending === undefined);
      if (!this.catalogIn || !configReady || (this.options.awaitConfigEntries && !this.entriesIn)) return;
    }
    this.rebuild(observedAt, cause);
  }

  private rebuild(observedAt: bigint, cause: 'catalog' | 'config' | 'config-entries' | 'ca' | 'intentions' | 'test-hook'): void {
    const catalog = this.injected.size ? new Map([...this.model.services, ...this.injected]) : this.model.services;
    const services = this.entries === NO_CONFIG_ENTRIES ? catalog : this.protocolsApplied(catalog);
    const config = this.configEntries.config;
    this.ingress = ingressGateways(this.entries.ingressGateways, services);
    const model: MeshModel = {
      services,
      ...(this.model.connectProxies ? { connectProxies: this.model.connectProxies } : {}),
      ...(this.model.gateways ? { gateways: this.model.gateways, ingressGateways: this.ingress.gateways } : {}),
      ...(config ? { config } : {}),
      ...(this.tracing ? { tracing: this.tracing } : {}),
      ...(this.ca ? { ca: this.ca } : {}),
      ...(this.intentions.length ? { intentions: this.intentions } : {}),
    };
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

  private protocolsApplied(services: ReadonlyMap<string, ServiceModel>): ReadonlyMap<string, ServiceModel> {
    const applied = new Map<string, ServiceModel>();
    for (const [name, service] of services) {
      const protocol = entryProtocol(this.entries, service);
      if (protocol === service.protocol) {
        applied.set(name, service);
        continue;
      }
      let changed = this.withProtocol.get(service);
      if (changed?.protocol !== protocol) this.withProtocol.set(service, (changed = { ...service, protocol }));
      applied.set(name, changed);
    }
    return applied;
  }

  /**
   * False until the first catalog (and the awaited config, with its certificates when it
   * needs mTLS) has been applied. Until then the snapshot is empty, and serving it would
   * delete every cluster and listener of a proxy that reconnects after a control plane restart.
   */
  get ready(): boolean {
    return this.isReady;
  }

  /** Calls `callback` once ready; the returned function withdraws it, so a stream that closes first is not kept. */
  whenReady(callback: () => void): () => void {
    if (this.isReady) {
      callback();
      return () => {};
    }
    this.readyWaiters.push(callback);
    return () => {
      const at = this.readyWaiters.indexOf(callback);
      if (at >= 0) this.readyWaiters.splice(at, 1);
    };
  }

  /** Streams waiting for readiness: for tests. */
  get waitingForReady(): number {
    return this.readyWaiters.length;
  }

  /** Test hook: serve extra services as if Consul had them, e.g. one a proxy must reject, in one change. */
  inject(...services: ServiceModel[]): void {
    for (const service of services) this.injected.set(service.name, service);
    this.noteSubjects();
    this.changed(process.hrtime.bigint(), 'test-hook');
  }

  /** Whether a test hook put this service in, over or beside the catalog's (for the console's NACK sources). */
  isInjected(name: string): boolean {
    return this.injected.has(name);
  }

  removeInjected(name: string): void {
    if (!this.injected.delete(name)) return;
    this.noteSubjects();
    this.changed(process.hrtime.bigint(), 'test-hook');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
