import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { catalogHealth } from '../consul/catalog-health';
import type { ConnectCaHealth } from '../consul/connect-ca-health';
import { CatalogSync } from '../control-plane/catalog-sync.service';
import { ConnectCaSync } from '../control-plane/connect-ca-sync.service';
import { MeshConfigSync, type MeshConfigStatus } from '../control-plane/mesh-config-sync.service';
import { XdsServerLifecycle } from '../control-plane/xds-server.lifecycle';
import { MeshState } from '../translate/mesh-state';
import { PUSH_ORDER, TYPE_SHORT_NAME, type TypeShortName } from '../resources/type-url';
import { proxyInfo, type ProxyInfo } from './proxy-info';
import { policySummary, type PolicySummary } from '../translate/policy-summary';
import type { PolicySources } from '../translate/policy-sources';
import { callersSummary, type CallersSummary } from '../translate/caller-authorization';
import { XdsMetrics } from '../xds/xds-metrics';

export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN';

/** A service's policy sources as /info/routes carries them, with the sentence `mesh status` prints. */
export type PolicySourcesJson = Omit<PolicySources, 'service'>;

/** Status of the control plane: /health, /info, /info/routes and /metrics. */
@Controller()
export class AdminController {
  constructor(
    private readonly catalog: CatalogSync,
    private readonly config: MeshConfigSync,
    private readonly ca: ConnectCaSync,
    private readonly xds: XdsServerLifecycle,
    private readonly mesh: MeshState,
    private readonly metrics: XdsMetrics,
  ) {}

  @Get('health')
  health(@Res({ passthrough: true }) response: { status(code: number): unknown }): {
    status: HealthStatus;
    reason?: string;
    reasons: string[];
    consul: ReturnType<typeof catalogHealth>;
    config?: MeshConfigStatus;
    ca?: ConnectCaHealth & { inUse: boolean; pendingConfig?: string };
  } {
    const consul = catalogHealth(this.catalog.watcher.status());
    const config = this.config.status();
    const ca = this.ca.health();
    const mtls = this.mesh.mtlsInUse;
    const pending = this.mesh.pendingConfigVersion;
    const reasons: string[] = [];
    if (consul.status === 'DEGRADED') reasons.push(`Consul unreachable (${consul.reason ?? 'unknown error'}); serving the last known catalog`);
    if (consul.status === 'STARTING') reasons.push('no catalog read from Consul yet');
    if (config?.rejected) reasons.push(`${config.file} rejected; serving the last good config (${config.version}): ${config.rejected.error}`);
    if (pending !== undefined) {
      const why = ca?.reason ? ` (${ca.reason})` : '';
      reasons.push(
        this.mesh.ready
          ? `config ${pending} uses mTLS and waits for Connect CA certificates${why}; serving config ${this.mesh.configVersion ?? 'none'}`
          : `config ${pending} uses mTLS: waiting for Connect CA certificates before serving any proxy${why}`,
      );
    } else if (mtls && ca?.status === 'DEGRADED') {
      reasons.push(`Connect CA: ${ca.reason ?? 'failing'}; the current certificates keep serving`);
    }
    if (!this.mesh.ready && consul.status !== 'STARTING' && pending === undefined) reasons.push('the first mesh snapshot is not built yet');
    const insecure = this.xds.authorizer.warning;
    if (insecure) reasons.push(insecure);
    const certificate = this.xds.certificate?.status();
    if (certificate && certificate.serialNumber === undefined) {
      reasons.push(`xDS TLS: no certificate for ${certificate.service} from the Consul CA yet, so every proxy connection is dropped (with ACLs the control plane's token needs service:write on ${certificate.service})`);
    }
    const status: HealthStatus = consul.status === 'STARTING' || !this.mesh.ready ? 'DOWN' : reasons.length ? 'DEGRADED' : 'UP';
    if (status === 'DOWN') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status,
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      reasons,
      consul,
      ...(config ? { config } : {}),
      ...(ca ? { ca: { ...ca, inUse: mtls, ...(pending !== undefined ? { pendingConfig: pending } : {}) } } : {}),
      ...(certificate ? { xdsTls: certificate } : {}),
    };
  }

  /** /proxies and /info are two names for the same document; the CLI reads /info. */
  @Get(['info', 'proxies'])
  info(): { controlPlane: string; proxies: ProxyInfo[] } {
    const leaves = new Map((this.ca.status()?.leaves ?? []).map((leaf) => [leaf.service, leaf]));
    const proxies = this.xds.server.connected.map((session) => proxyInfo(session, leaves)).filter((p): p is ProxyInfo => p !== undefined);
    return { controlPlane: this.xds.server.identifier, proxies };
  }

  @Get('info/routes')
  routes(): {
    services: Array<{ service: string; protocol: string; endpoints: string[]; policy?: PolicySummary; sources?: PolicySourcesJson; callers?: CallersSummary }>;
    problems: string[];
  } {
    const model = this.mesh.snapshot.model;
    return {
      services: [...model.services.values()].map((s) => {
        const policy = model.config?.policies.get(s.name);
        const sources = this.mesh.policySources(s.name);
        return {
          service: s.name,
          protocol: s.protocol,
          endpoints: s.endpoints.map((e) => `${e.address}:${e.port}${e.health === 'warning' ? ' (warning)' : ''}`),
          ...(policy ? { policy: policySummary(s, policy) } : {}),
          ...(sources ? { sources: { entries: sources.entries, rest: sources.rest, callers: sources.callers, text: sources.text } } : {}),
          ...(model.intentions?.length || policy?.allowedCallers ? { callers: callersSummary(model, s.name) } : {}),
        };
      }),
      problems: this.mesh.configProblems,
    };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    for (const typeUrl of PUSH_ORDER) this.metrics.resources.set({ type: TYPE_SHORT_NAME[typeUrl] }, this.resourceCount(typeUrl));
    return this.metrics.registry.metrics();
  }

  private resourceCount(typeUrl: (typeof PUSH_ORDER)[number]): number {
    const snapshot = this.mesh.snapshot;
    const counts: Record<TypeShortName, number> = {
      CDS: snapshot.clusters.size,
      EDS: snapshot.endpoints.size,
      LDS: snapshot.apiListeners.size,
      SRDS: snapshot.outboundScopes.size,
      RDS: snapshot.routes.size,
      SDS: snapshot.secretCount,
    };
    return counts[TYPE_SHORT_NAME[typeUrl]];
  }
}
