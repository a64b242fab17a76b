import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { Root, type Type } from 'protobufjs';

/**
 * Envoy's protos are not vendored: they ship in the `deps/` folder of @grpc/grpc-js-xds,
 * pinned with that package.
 */
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
export const PROTO_INCLUDE_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d));

/** The discovery services. */
const SERVICE_PROTOS = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/route/v3/srds.proto',
  'envoy/service/secret/v3/sds.proto',
];

/**
 * Every message that appears in a resource, including the ones nested in typed Any
 * fields: protobufjs encodes an Any whose type it cannot find as an empty value,
 * silently, so each embedded type must be loaded here.
 */
const RESOURCE_PROTOS = [
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/route/v3/scoped_route.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/tracers/opentelemetry/resource_detectors/v3/environment_resource_detector.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
];

let packageDefinition: PackageDefinition | undefined;
let root: Root | undefined;

/** The gRPC package definition of the discovery services (loaded once). */
export function xdsPackageDefinition(): PackageDefinition {
  packageDefinition ??= loadSync([...SERVICE_PROTOS, ...RESOURCE_PROTOS], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: PROTO_INCLUDE_DIRS,
  });
  return packageDefinition;
}

/** The protobufjs root used to encode resources (loaded once). */
export function protoRoot(): Root {
  if (!root) {
    const loaded = new Root();
    loaded.resolvePath = (_origin, target) => {
      for (const dir of PROTO_INCLUDE_DIRS) {
        const candidate = join(dir, target);
        if (existsSync(candidate)) return candidate;
      }
      return target;
    };
    loaded.loadSync([...SERVICE_PROTOS, ...RESOURCE_PROTOS], { keepCase: true });
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

/** The protobuf type behind a type URL or a fully-qualified message name. */
export function messageType(typeUrlOrName: string): Type {
  return protoRoot().lookupType(typeUrlOrName.slice(typeUrlOrName.lastIndexOf('/') + 1));
}
