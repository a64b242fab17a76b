import { Inject, Injectable } from '@nestjs/common';
import { catalogHealth } from '../../consul/catalog-health';
import { CatalogSync } from '../../control-plane/catalog-sync.service';
import { ConnectCaSync } from '../../control-plane/connect-ca-sync.service';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from '../../control-plane/control-plane-options';
import { MeshConfigSync } from '../../control-plane/mesh-config-sync.service';
import { XdsServerLifecycle } from '../../control-plane/xds-server.lifecycle';
import { TYPE_SHORT_NAME } from '../../resources/type-url';
import { MeshState } from '../../translate/mesh-state';
import { isLocalPeer } from '../../xds/stream-authorizer';
import type { AnySession } from '../../xds/xds-grpc-server';
import { proxyInfo } from '../proxy-info';
import { diffConfig, heldResources, type ConfigResource, type DiffReport } from './config-diff';
import { consoleCa, SHORT_TO_TYPE_URL, type ConsoleProxy, type ConsoleState } from './console-state';
import { envoyJson, type Json } from './envoy-json';
import { JaegerReader } from './jaeger-reader';
import { metricPanels, type MetricPanel } from './metric-panels';
import { NackSourceResolver } from './nack-source';
import { PrometheusReader } from './prometheus-reader';
import { TemporalReader } from './temporal-reader';
import { buildTopology } from './topology';
import { fetchJson, sourced, type ConsoleSources, type Sourced } from './upstream-source';

export class UnknownProxyError extends Error {
  override readonly name = 'UnknownProxyError';
  constructor(id: string, connected: readonly string[]) {
    super(`no connected proxy has node id "${id}"; connected: ${connected.join(', ') || 'none'}`);
  }
}

/** Everything the console shows, read from the control plane's own state and the systems beside it. Reads only. */
@Injectable()
export class ConsoleService {
  readonly sources: ConsoleSources;
  private temporal: TemporalReader | undefined;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) private readonly options: ControlPlaneOptions,
    private readonly catalog: CatalogSync,
    private readonly config: MeshConfigSync,
    private readonly ca: ConnectCaSync,
    private readonly xds: XdsServerLifecycle,
    private readonly mesh: MeshState,
  ) {
    this.sources = options.console ?? {};
  }

  state(): ConsoleState {
    const sessions = this.sessions();
    const catalogSnapshot = this.catalog.watcher.snapshot;
    const resolver = new NackSourceResolver({
      configFile: this.options.configFile,
      definition: this.config.definition(),
      catalog: new Map([...(catalogSnapshot?.services ?? [])].map(([name, instances]) => [name, instances.map((i) => i.id)])),
      injected: (service) => this.mesh.isInjected(service),
    });
    const leaves = new Map((this.ca.status()?.leaves ?? []).map((leaf) => [leaf.service, leaf]));
    const proxies: ConsoleProxy[] = [];
    for (const session of sessions) {
      const info = proxyInfo(session, leaves);
      if (!info) continue;
      const nackSources: ConsoleProxy['nackSources'] = {};
      for (const [type, typeInfo] of Object.entries(info.types) as Array<[keyof typeof SHORT_TO_TYPE_URL, NonNullable<(typeof info.types)['CDS']>]>) {
        if (typeInfo.lastNack) nackSources[type] = resolver.resolve(SHORT_TO_TYPE_URL[type], typeInfo.lastNack.resources);
      }
      proxies.push({ ...info, adminAddress: session.node?.adminAddress ?? null, nackSources });
    }
    proxies.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
    const consul = catalogHealth(this.catalog.watcher.status());
    const config = this.config.status() ?? null;
    const reasons = [
      ...(consul.status === 'DEGRADED' ? [`Consul unreachable (${consul.reason ?? 'unknown error'}); serving the last known catalog`] : []),
      ...(config?.rejected ? [`${config.file} rejected; serving ${config.version}`] : []),
    ];
    return {
      controlPlane: this.xds.server.identifier,
      health: { status: consul.status === 'STARTING' ? 'DOWN' : reasons.length ? 'DEGRADED' : 'UP', reasons },
      topology: buildTopology({
        catalog: catalogSnapshot,
        checks: this.catalog.watcher.checkStates,
        definition: this.config.definition(),
        gatewayProxies: proxies.filter((p) => p.service === (this.mesh.snapshot.model.config?.gateway?.name ?? 'gateway')).map((p) => p.nodeId),
      }),
      proxies,
      config,
      ca: consoleCa(this.ca.status(), this.ca.health()),
      policy: {
        sources: [...this.mesh.snapshot.model.services.keys()].flatMap((service) => this.mesh.policySources(service) ?? []),
        problems: this.mesh.configProblems,
      },
      sources: {
        prometheus: this.sources.prometheusUrl ?? null,
        jaeger: this.sources.jaegerUrl ?? null,
        temporal: this.sources.temporalAddress ?? null,
        temporalUi: this.sources.temporalUiUrl ?? null,
      },
    };
  }

  private sessions(): readonly AnySession[] {
    return this.xds.server.connected;
  }

  private session(nodeId: string): AnySession {
    const sessions = this.sessions().filter((s) => s.node?.identity.id === nodeId);
    if (!sessions.length) throw new UnknownProxyError(nodeId, this.sessions().map((s) => s.node?.identity.id ?? '?'));
    return sessions[0] as AnySession;
  }

  /** What the control plane means this proxy to hold now: for each type it subscribed to, the resources it asked for. */
  intended(nodeId: string): ConfigResource[] {
    // A proxy on the per-type services has one stream per type; together they are its config.
    const sessions = this.sessions().filter((s) => s.node?.identity.id === nodeId);
    if (!sessions.length) this.session(nodeId);
    const resources: ConfigResource[] = [];
    for (const session of sessions) {
      const node = session.node;
      if (!node) continue;
      const view = this.mesh.snapshot.viewFor(node.identity, node.serviceInstanceId);
      for (const { typeUrl } of session.state.subscriptions()) {
        const interest = session.interest(typeUrl);
        if (!interest) continue;
        const picked = interest.wildcard ? view.resources(typeUrl).sorted() : [...interest.names].flatMap((name) => view.resource(typeUrl, name) ?? []);
        for (const resource of picked) resources.push({ type: TYPE_SHORT_NAME[typeUrl], name: resource.name, value: envoyJson(typeUrl, resource.bytes) });
      }
    }
    return resources;
  }

  /** Intended against Envoy's `/config_dump` (read from the proxy's announced admin address). */
  async diff(nodeId: string): Promise<{ proxy: string; adminAddress: string; report: DiffReport }> {
    const session = this.session(nodeId);
    const admin = session.node?.adminAddress;
    if (!admin) {
      throw new Error(`proxy ${nodeId} did not announce its Envoy admin address (bootstrap node metadata admin_address); run \`mesh diff ${nodeId} --envoy-admin http://<host:port>\``);
    }
    // The address is the proxy's claim: fetch only from this host or the proxy's own address, never a third host it names.
    const host = admin.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (!isLocalPeer(host) && host !== session.peerAddress) {
      throw new Error(
        `proxy ${nodeId} announced admin_address ${admin}, which is neither on this host nor its own address ${session.peerAddress}; the console does not fetch from it. Run \`mesh diff ${nodeId} --envoy-admin http://<host:port>\``,
      );
    }
    const intended = this.intended(nodeId);
    const dump = await fetchJson<Json>('Envoy admin', `http://${admin}/config_dump?include_eds`);
    return { proxy: nodeId, adminAddress: admin, report: diffConfig(intended, heldResources(dump)) };
  }

  panels(): MetricPanel[] {
    const definition = this.config.definition();
    return definition ? metricPanels(definition) : [];
  }

  prometheus<T>(read: (reader: PrometheusReader) => Promise<T>): Promise<Sourced<T>> {
    return sourced('Prometheus', this.sources.prometheusUrl, '--prometheus <url>', (base) => read(new PrometheusReader(base)));
  }

  jaeger<T>(read: (reader: JaegerReader) => Promise<T>): Promise<Sourced<T>> {
    return sourced('Jaeger', this.sources.jaegerUrl, '--jaeger <url>', (base) => read(new JaegerReader(base)));
  }

  temporalReader<T>(read: (reader: TemporalReader) => Promise<T>): Promise<Sourced<T>> {
    return sourced('Temporal', this.sources.temporalAddress, '--temporal <host:port>', async (address) => {
      this.temporal ??= new TemporalReader(address, this.sources.temporalNamespace ?? 'default', this.sources.temporalUiUrl);
      return read(this.temporal);
    });
  }
}
