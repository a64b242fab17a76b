import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultControlPlaneOptions } from '../control-plane/control-plane-options';
import { parsePercent, parsePort, parsePositiveInteger } from './port-option';
import { parseCollectorAddress } from '../translate/tracing';
import { startTracing } from '../telemetry/start-tracing';
import { INSECURE_SECRETS_FLAG } from '../control-plane/consul-stream-authorizer';

interface XdsOptions {
  port: number;
  adminPort: number;
  host: string;
  adminHost: string;
  consul: string;
  config?: string;
  proxyOtlp?: string;
  traceSampling: number;
  maxNewStreamsPerSecond: number;
  aclRecheckSeconds: number;
  insecureServeSecretsWithoutAcls: boolean;
  xdsTlsService?: string;
  prometheus?: string;
  jaeger?: string;
  temporal?: string;
  temporalUi?: string;
}

export function registerXdsCommand(program: Command): void {
  const defaults = defaultControlPlaneOptions();
  program
    .command('xds')
    .description(
      'Run the control plane: xDS over gRPC (ADS, SotW and Delta) from the Consul catalog, plus the admin API. Its own traces go to $OTEL_EXPORTER_OTLP_ENDPOINT when set',
    )
    .option('--port <port>', 'xDS gRPC port', parsePort, defaults.xdsPort)
    .option('--admin-port <port>', 'admin HTTP port (/health, /info, /info/routes, /metrics)', parsePort, defaults.adminPort)
    .option('--host <address>', 'address the xDS server binds to', defaults.xdsHost)
    .option('--admin-host <address>', 'address the admin API binds to; loopback unless you expose /metrics and /info on purpose (e.g. to a Prometheus on another host)', defaults.adminHost)
    .option('--consul <url>', 'Consul HTTP API (default: $CONSUL_HTTP_ADDR or http://127.0.0.1:8500)', defaults.consulAddress)
    .option('--proxy-otlp <host:port>', 'OTLP/gRPC collector (e.g. Jaeger :4317) every proxy sends spans to, configured over xDS (default: $MESH_PROXY_OTLP_ENDPOINT; off when unset)', defaults.tracing && `${defaults.tracing.collector.host}:${defaults.tracing.collector.port}`)
    .option('--trace-sampling <percent>', 'share of requests without an incoming trace that start one', parsePercent, 100)
    .option('--max-new-streams-per-second <n>', 'xDS streams admitted per second; the rest wait their turn (a reconnect storm is taken on steadily, none refused)', parsePositiveInteger, defaults.maxNewStreamsPerSecond)
    .option('--acl-recheck-seconds <n>', "how often a served proxy's Consul ACL token is checked again; a revoked token's streams close within it (default: $MESH_ACL_RECHECK_SECONDS or 30)", parsePositiveInteger, defaults.aclRecheckIntervalMs / 1000)
    .option(
      `${INSECURE_SECRETS_FLAG}`,
      "when Consul runs without ACLs, also hand services' private keys to proxies that are not on this host: anyone who reaches the xDS port can then take any service's identity",
      false,
    )
    .option(
      '--xds-tls-service <name>',
      'serve xDS over TLS with a certificate the Consul CA issues for this service name (with ACLs the token needs service:write on it); proxies verify it against the Consul CA (default: $MESH_XDS_TLS_SERVICE; plaintext when unset)',
      defaults.xdsTlsService,
    )
    .option('--prometheus <url>', 'Prometheus the console at /ui/ charts and overlays from (default: $MESH_PROMETHEUS_URL)', defaults.console?.prometheusUrl)
    .option('--jaeger <url>', 'Jaeger query API the console searches traces in (default: $MESH_JAEGER_URL)', defaults.console?.jaegerUrl)
    .option('--temporal <host:port>', 'Temporal frontend the console lists workflows from (default: $MESH_TEMPORAL_ADDRESS)', defaults.console?.temporalAddress)
    .option('--temporal-ui <url>', 'Temporal Web UI the console links each workflow to (default: $MESH_TEMPORAL_UI_URL)', defaults.console?.temporalUiUrl)
    .option('--config <file>', 'mesh.config.ts with traffic policy; reloaded on every save (default: $MESH_CONFIG)', defaults.configFile)
    .action(async (options: XdsOptions) => {
      const tracing = startTracing();
      // Loaded only now, so that the tracing instrumentations see grpc-js and http load.
      const { startControlPlane } = await import('../control-plane/control-plane.js');
      const app = await startControlPlane({
        ...defaults,
        xdsHost: options.host,
        xdsPort: options.port,
        adminHost: options.adminHost,
        adminPort: options.adminPort,
        consulAddress: options.consul,
        maxNewStreamsPerSecond: options.maxNewStreamsPerSecond,
        aclRecheckIntervalMs: options.aclRecheckSeconds * 1000,
        serveSecretsWithoutAcls: options.insecureServeSecretsWithoutAcls,
        xdsTlsService: options.xdsTlsService,
        configFile: options.config ? resolve(options.config) : undefined,
        console: {
          ...(options.prometheus ? { prometheusUrl: options.prometheus } : {}),
          ...(options.jaeger ? { jaegerUrl: options.jaeger } : {}),
          ...(options.temporal ? { temporalAddress: options.temporal } : {}),
          ...(options.temporalUi ? { temporalUiUrl: options.temporalUi } : {}),
        },
        tracing: options.proxyOtlp ? { collector: parseCollectorAddress(options.proxyOtlp), samplingPercent: options.traceSampling } : undefined,
      });
      const stop = () =>
        void app
          .close()
          .then(() => tracing?.shutdown())
          .then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
