import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { catalogHealth } from '../consul/catalog-health';
import { CatalogSync } from '../control-plane/catalog-sync.service';
import { XdsServerLifecycle } from '../control-plane/xds-server.lifecycle';
import { MeshState } from '../xds/mesh-state';
import { PUSH_ORDER, TYPE_SHORT_NAME } from '../xds/type-url';
import { XdsMetrics } from '../xds/xds-metrics';

export type HealthStatus = 'UP' | 'DEGRADED' | 'DOWN';

export interface ProxyInfo {
  nodeId: string;
  service: string;
  kind: 'envoy' | 'grpc';
  protocol: 'SotW' | 'Delta';
  connectedSince: string;
  types: Record<string, { acked: string | null; pending: boolean; lastNack: { version: string; resources: string[]; error: string; at: string } | null }>;
}

/** Status of the control plane: /health, /info, /info/routes and /metrics. */
@Controller()
export class AdminController {
  constructor(
    private readonly catalog: CatalogSync,
    private readonly xds: XdsServerLifecycle,
    private readonly mesh: MeshState,
    private readonly metrics: XdsMetrics,
  ) {}

  @Get('health')
  health(@Res({ passthrough: true }) response: { status(code: number): unknown }): { status: HealthStatus; reason?: string; consul: ReturnType<typeof catalogHealth> } {
    const consul = catalogHealth(this.catalog.watcher.status());
    const status: HealthStatus = consul.status === 'UP' ? 'UP' : consul.status === 'DEGRADED' ? 'DEGRADED' : 'DOWN';
    const reason =
      status === 'DEGRADED'
        ? `Consul unreachable (${consul.reason ?? 'unknown error'}); serving the last known catalog`
        : status === 'DOWN'
          ? 'no catalog read from Consul yet'
          : undefined;
    if (status === 'DOWN') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status, ...(reason ? { reason } : {}), consul };
  }

  @Get('info')
  info(): { controlPlane: string; proxies: ProxyInfo[] } {
    const proxies = this.xds.server.connected.flatMap((session): ProxyInfo[] => {
      const node = session.node;
      if (!node) return [];
      const types: ProxyInfo['types'] = {};
      const subscribed = new Map(session.state.subscriptions().map((s) => [s.typeUrl, s]));
      for (const typeUrl of PUSH_ORDER) {
        const sub = subscribed.get(typeUrl);
        if (!sub) continue;
        const nack = session.state.lastNack(typeUrl);
        types[TYPE_SHORT_NAME[typeUrl]] = {
          acked: session.state.ackedVersion(typeUrl) ?? null,
          pending: sub.awaitingNonce !== undefined,
          lastNack: nack
            ? { version: nack.rejectedVersion, resources: nack.resourceNames, error: nack.error.message, at: nack.at.toISOString() }
            : null,
        };
      }
      return [
        {
          nodeId: node.identity.id,
          service: node.identity.service,
          kind: node.identity.kind,
          protocol: session.protocol === 'sotw' ? 'SotW' : 'Delta',
          connectedSince: session.connectedSince.toISOString(),
          types,
        },
      ];
    });
    return { controlPlane: this.xds.server.identifier, proxies };
  }

  @Get('info/routes')
  routes(): { services: Array<{ service: string; protocol: string; endpoints: string[] }> } {
    return {
      services: [...this.mesh.snapshot.model.services.values()].map((s) => ({
        service: s.name,
        protocol: s.protocol,
        endpoints: s.endpoints.map((e) => `${e.address}:${e.port}${e.health === 'warning' ? ' (warning)' : ''}`),
      })),
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
    return { CDS: snapshot.clusters.size, EDS: snapshot.endpoints.size, LDS: snapshot.apiListeners.size, RDS: snapshot.outboundRoutes.size, SDS: 0 }[
      TYPE_SHORT_NAME[typeUrl]
    ];
  }
}
