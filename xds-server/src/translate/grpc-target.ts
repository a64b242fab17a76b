/** `name` or `name:port`, where `name` could be a Consul service name (no ':' or '/'). */
const TARGET = /^([A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

/**
 * The Consul service a proxyless gRPC client means by a listener name. `xds:///name` asks
 * for listener `name` and `xds:///name:50051` for `name:50051`; both address the service
 * `name`, on whatever ports its instances registered. Anything else (e.g. an `xdstp://`
 * name) is not a target this control plane answers.
 */
export function targetService(listenerName: string): string | undefined {
  const match = TARGET.exec(listenerName);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  return port === undefined || (port > 0 && port < 65536) ? match[1] : undefined;
}
