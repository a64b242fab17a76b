import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { catalogHealth } from '../consul/catalog-health';
import { CatalogSync } from '../control-plane/catalog-sync.service';
import { MeshConfigSync, type MeshConfigStatus } from '../control-plane/mesh-config-sync.service';
import { XdsServerLifecycle } from '../control-plane/xds-server.lifecycle';
import { MeshState } from '../xds/mesh-state';
import { PUSH_ORDER, TYPE_SHORT_NAME } from '../xds/type-url';
import { proxyInfo, type ProxyInfo } from './proxy-info';
import { policySummary, type PolicySummary } from '../translate/policy-summary';
import { XdsMetrics } from '../xds/xds-metrics';

export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN';

/** Status of the control plane: /health, /info, /info/routes and /metrics. */
@Controller()
export class AdminController {
  constructor(
    private readonly catalog: CatalogSync,
    private readonly config: MeshConfigSync,
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
  } {
    const consul = catalogHealth(this.catalog.watcher.status());
    const config = this.config.status();
    const reasons: string[] = [];
    if (consul.status === 'DEGRADED') reasons.push(`Consul unreachable (${consul.reason ?? 'unknown error'}); serving the last known catalog`);
    if (consul.status === 'STARTING') reasons.push('no catalog read from Consul yet');
    if (config?.rejected) reasons.push(`${config.file} rejected; serving the last good config (${config.version}): ${config.rejected.error}`);
    const status: HealthStatus = consul.status === 'STARTING' ? 'DOWN' : reasons.length ? 'DEGRADED' : 'UP';
    if (status === 'DOWN') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status, ...(reasons.length ? { reason: reasons.join('; ') } : {}), reasons, consul, ...(config ? { config } : {}) };
  }

  /** /proxies is the name DESIGN.md uses; /info the one the CLI and issue use. Same document. */
  @Get(['info', 'proxies'])
  info(): { controlPlane: string; proxies: ProxyInfo[] } {
    const proxies = this.xds.server.connected.map(proxyInfo).filter((p): p is ProxyInfo => p !== undefined);
    return { controlPlane: this.xds.server.identifier, proxies };
  }

  @Get('info/routes')
  routes(): { services: Array<{ service: string; protocol: string; endpoints: string[]; policy?: PolicySummary }> } {
    const model = this.mesh.snapshot.model;
    return {
      services: [...model.services.values()].map((s) => {
        const policy = model.config?.policies.get(s.name);
        return {
          service: s.name,
          protocol: s.protocol,
          endpoints: s.endpoints.map((e) => `${e.address}:${e.port}${e.health === 'warning' ? ' (warning)' : ''}`),
          ...(policy ? { policy: policySummary(s, policy) } : {}),
        };
      }),
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
    return { CDS: snapshot.clusters.size, EDS: snapshot.endpoints.size, LDS: snapshot.apiListeners.size, RDS: snapshot.routes.size, SDS: 0 }[
      TYPE_SHORT_NAME[typeUrl]
    ];
  }
}
