import { forEachField, MessageWriter } from './protobuf-wire';

/** Field numbers from envoy/service/discovery/v3/discovery.proto and the resource protos. */
export const TYPE = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  scopedRoute: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;

export type XdsType = (typeof TYPE)[keyof typeof TYPE];

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const CLUSTER_TYPE_EDS = 3;

export interface NodeInfo {
  id: string;
  cluster: string;
  /** Envoy's version as it reports it; Consul refuses versions it does not support. */
  envoyVersion: [major: number, minor: number, patch: number];
}

function node(info: NodeInfo): MessageWriter {
  const [major, minor, patch] = info.envoyVersion;
  const semver = new MessageWriter().uint(1, major).uint(2, minor).uint(3, patch);
  return new MessageWriter()
    .string(1, info.id)
    .string(2, info.cluster)
    .string(6, 'envoy')
    .message(8, new MessageWriter().message(1, semver));
}

export interface SotwRequestFields {
  node?: NodeInfo;
  versionInfo?: string;
  resourceNames: Iterable<string>;
  typeUrl: string;
  responseNonce?: string;
}

export function encodeSotwRequest(r: SotwRequestFields): Buffer {
  return new MessageWriter()
    .string(1, r.versionInfo)
    .message(2, r.node ? node(r.node) : undefined)
    .strings(3, r.resourceNames)
    .string(4, r.typeUrl)
    .string(5, r.responseNonce)
    .finish();
}

export interface DeltaRequestFields {
  node?: NodeInfo;
  typeUrl: string;
  subscribe?: Iterable<string>;
  unsubscribe?: Iterable<string>;
  responseNonce?: string;
}

export function encodeDeltaRequest(r: DeltaRequestFields): Buffer {
  return new MessageWriter()
    .message(1, r.node ? node(r.node) : undefined)
    .string(2, r.typeUrl)
    .strings(3, r.subscribe ?? [])
    .strings(4, r.unsubscribe ?? [])
    .string(6, r.responseNonce)
    .finish();
}

export interface DecodedResource {
  name: string;
  /** Delta only: the resource's own version. */
  version: string;
  /** The resource's serialized bytes (the Any's value). */
  value: Buffer;
}

/** A DiscoveryResponse or DeltaDiscoveryResponse, envelope decoded and resources left as bytes. */
export interface DecodedResponse {
  typeUrl: string;
  /** version_info (SotW) or system_version_info (Delta). */
  versionInfo: string;
  nonce: string;
  resources: DecodedResource[];
  removed: string[];
}

/** Every resource type this client reads carries its name in field 1 (ClusterLoadAssignment: cluster_name). */
function resourceName(value: Buffer): string {
  let name = '';
  forEachField(value, (f) => {
    if (f.field === 1 && f.wireType === 2 && name === '') name = f.bytes.toString('utf8');
  });
  return name;
}

function anyValue(any: Buffer): { typeUrl: string; value: Buffer } {
  let typeUrl = '';
  let value: Buffer = Buffer.alloc(0);
  forEachField(any, (f) => {
    if (f.field === 1) typeUrl = f.bytes.toString('utf8');
    else if (f.field === 2) value = f.bytes;
  });
  return { typeUrl, value };
}

export function decodeSotwResponse(buf: Buffer): DecodedResponse {
  const out: DecodedResponse = { typeUrl: '', versionInfo: '', nonce: '', resources: [], removed: [] };
  forEachField(buf, (f) => {
    if (f.field === 1) out.versionInfo = f.bytes.toString('utf8');
    else if (f.field === 2) {
      const { value } = anyValue(f.bytes);
      out.resources.push({ name: resourceName(value), version: '', value });
    } else if (f.field === 4) out.typeUrl = f.bytes.toString('utf8');
    else if (f.field === 5) out.nonce = f.bytes.toString('utf8');
  });
  return out;
}

export function decodeDeltaResponse(buf: Buffer): DecodedResponse {
  const out: DecodedResponse = { typeUrl: '', versionInfo: '', nonce: '', resources: [], removed: [] };
  forEachField(buf, (f) => {
    if (f.field === 1) out.versionInfo = f.bytes.toString('utf8');
    else if (f.field === 2) {
      const resource: DecodedResource = { name: '', version: '', value: Buffer.alloc(0) };
      forEachField(f.bytes, (r) => {
        if (r.field === 3) resource.name = r.bytes.toString('utf8');
        else if (r.field === 1) resource.version = r.bytes.toString('utf8');
        else if (r.field === 2) resource.value = anyValue(r.bytes).value;
      });
      out.resources.push(resource);
    } else if (f.field === 4) out.typeUrl = f.bytes.toString('utf8');
    else if (f.field === 5) out.nonce = f.bytes.toString('utf8');
    else if (f.field === 6) out.removed.push(f.bytes.toString('utf8'));
  });
  return out;
}

/** The EDS resource name an EDS cluster asks for (eds_cluster_config.service_name, else its name); undefined for other clusters. */
export function edsNameOfCluster(cluster: Buffer): string | undefined {
  let name = '';
  let type = 0;
  let serviceName = '';
  forEachField(cluster, (f) => {
    if (f.field === 1) name = f.bytes.toString('utf8');
    else if (f.field === 2) type = f.varint;
    else if (f.field === 3) {
      forEachField(f.bytes, (e) => {
        if (e.field === 2) serviceName = e.bytes.toString('utf8');
      });
    }
  });
  return type === CLUSTER_TYPE_EDS ? serviceName || name : undefined;
}

/** What a listener's HTTP connection managers fetch: route configuration names over RDS, and whether they use SRDS. */
export interface ListenerRoutes {
  rdsNames: Set<string>;
  scoped: boolean;
}

function routesOfHcm(hcm: Buffer, into: ListenerRoutes): void {
  forEachField(hcm, (f) => {
    // rds (3): its field 2 is route_config_name; scoped_routes (31) with scoped_rds fetches scopes over SRDS.
    if (f.field === 31) into.scoped = true;
    if (f.field !== 3) return;
    forEachField(f.bytes, (rds) => {
      if (rds.field === 2) into.rdsNames.add(rds.bytes.toString('utf8'));
    });
  });
}

/** The RouteConfiguration a scope points at (ScopedRouteConfiguration.route_configuration_name). */
export function routeNameOfScope(scope: Buffer): string | undefined {
  let name: string | undefined;
  forEachField(scope, (f) => {
    if (f.field === 2 && f.wireType === 2) name = f.bytes.toString('utf8');
  });
  return name;
}

function routesOfFilterChain(chain: Buffer, into: ListenerRoutes): void {
  forEachField(chain, (f) => {
    if (f.field !== 3) return;
    forEachField(f.bytes, (filter) => {
      if (filter.field !== 4) return;
      const any = anyValue(filter.bytes);
      if (any.typeUrl === HCM_TYPE) routesOfHcm(any.value, into);
    });
  });
}

/** What a listener's HTTP connection managers fetch over RDS and SRDS. */
export function routesOfListener(listener: Buffer, into: ListenerRoutes): void {
  forEachField(listener, (f) => {
    // filter_chains (3), default_filter_chain (25), api_listener (19: its field 1 is an Any).
    if (f.field === 3 || f.field === 25) routesOfFilterChain(f.bytes, into);
    else if (f.field === 19) {
      forEachField(f.bytes, (api) => {
        if (api.field !== 1) return;
        const any = anyValue(api.bytes);
        if (any.typeUrl === HCM_TYPE) routesOfHcm(any.value, into);
      });
    }
  });
}
