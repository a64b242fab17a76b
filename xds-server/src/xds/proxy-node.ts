import { DEFAULT_OUTBOUND } from './defaults';
import { ADS } from '../translate/config-source';
import type { ProxyIdentity } from '../translate/model';

/**
 * google.protobuf.Value as proto-loader decodes it. The well-known types come from
 * protobufjs' bundled definitions, whose field names are camelCase even with keepCase.
 */
interface StructValue {
  kind?: string;
  stringValue?: string;
  numberValue?: number;
}

/** The parts of envoy.config.core.v3.Node this control plane reads. */
export interface NodeMessage {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  metadata?: { fields?: Record<string, StructValue> } | null;
}

/** Node metadata keys a proxy may set in its bootstrap (documented in the README). */
export const NODE_METADATA = {
  outboundAddress: 'outbound_address',
  outboundPort: 'outbound_port',
  serviceInstanceId: 'service_instance_id',
  /** The bootstrap cluster that reaches this control plane, for proxies without ADS. */
  xdsCluster: 'xds_cluster',
  /** The gateway's public port, overriding the DSL's (e.g. several gateways on one machine). */
  gatewayPort: 'gateway_port',
  /** host:port of the proxy's Envoy admin, for `mesh diff` and the console (read-only, never used by the engine). */
  adminAddress: 'admin_address',
} as const;

const DEFAULT_XDS_CLUSTER = 'xds_cluster';

/** How the proxy reached us: ADS, or the per-type services (one stream per type). */
export interface ProxyTransport {
  perTypeServices: boolean;
  protocol: 'sotw' | 'delta';
}

function metadataValue(node: NodeMessage, key: string): string | undefined {
  const value = node.metadata?.fields?.[key];
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return String(value.numberValue);
  return undefined;
}

export interface ProxyNode {
  identity: ProxyIdentity;
  serviceInstanceId: string | undefined;
  adminAddress: string | undefined;
}

/** Envoy identifies as user agent "envoy"; anything else is treated as a proxyless gRPC client. */
/** Node metadata the control plane cannot use; the stream ends with INVALID_ARGUMENT naming the field. */
export class NodeMetadataError extends Error {
  override readonly name = 'NodeMetadataError';
}

function portValue(value: string | undefined, key: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  throw new NodeMetadataError(`node.metadata.${key} is ${JSON.stringify(value.slice(0, 40))}, not a port (an integer 1-65535); fix the proxy's bootstrap`);
}

export function proxyNode(node: NodeMessage, transport: ProxyTransport = { perTypeServices: false, protocol: 'sotw' }): ProxyNode {
  const gatewayPort = portValue(metadataValue(node, NODE_METADATA.gatewayPort), NODE_METADATA.gatewayPort);
  return {
    identity: {
      id: node.id ?? '',
      service: node.cluster ?? '',
      kind: node.user_agent_name === 'envoy' ? 'envoy' : 'grpc',
      outboundAddress: metadataValue(node, NODE_METADATA.outboundAddress) ?? DEFAULT_OUTBOUND.address,
      outboundPort: portValue(metadataValue(node, NODE_METADATA.outboundPort), NODE_METADATA.outboundPort) ?? DEFAULT_OUTBOUND.port,
      configSource: transport.perTypeServices
        ? {
            kind: 'api',
            apiType: transport.protocol === 'delta' ? 'DELTA_GRPC' : 'GRPC',
            xdsCluster: metadataValue(node, NODE_METADATA.xdsCluster) ?? DEFAULT_XDS_CLUSTER,
          }
        : ADS,
      ...(gatewayPort === undefined ? {} : { gatewayPort }),
    },
    serviceInstanceId: metadataValue(node, NODE_METADATA.serviceInstanceId),
    adminAddress: metadataValue(node, NODE_METADATA.adminAddress),
  };
}
