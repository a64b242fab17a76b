import type { MeshDefinition } from '../dsl/mesh-definition';
import { META } from '../translate/catalog-model';
import { INSTALL, PORTS } from './deploy-conventions';
import { GENERATED_HEADER, hashComment, type GeneratedFile } from './generated-file';
import { attribute, block, map, renderHcl, type HclEntry } from './hcl';
import { meshLayout, type InstanceLayout, type MeshLayout, type NodeLayout } from './mesh-layout';

/** Registration meta key with the instance's version (subsets select on it). */
export const VERSION_META = 'version';

function hclFile(path: string, note: readonly string[], entries: readonly HclEntry[]): GeneratedFile {
  return { path, content: `${hashComment([GENERATED_HEADER, ...note])}\n${renderHcl(entries)}` };
}

/**
 * The node's agent. The nodes of `consul.servers` form the raft cluster: each expects all
 * of them (bootstrap_expect) and joins the others, so the first election waits for the full
 * set and no node bootstraps a cluster of its own. Every agent, server or client, retries
 * joining every server, so any one of them being down does not keep a node out. The HTTP
 * API listens on loopback only; node labels become node_meta.
 */
function agentConfig(layout: MeshLayout, node: NodeLayout): GeneratedFile {
  const server = node.consulServer;
  const peers = layout.consulServers.filter((s) => s !== node).map((s) => s.address);
  const join = peers.length > 0 ? [attribute('retry_join', peers)] : [];
  return hclFile(
    `consul/${node.name}/agent.hcl`,
    [
      `Consul ${server ? `server (1 of ${layout.consulServers.length})` : 'client'} agent of node ${node.name}: consul agent -config-dir=${INSTALL.consulConfig}`,
    ],
    [
      attribute('datacenter', layout.name),
      attribute('node_name', node.name),
      attribute('data_dir', INSTALL.consulData),
      attribute('bind_addr', node.address),
      attribute('advertise_addr', node.address),
      attribute('client_addr', '127.0.0.1'),
      attribute('server', server),
      ...(server ? [attribute('bootstrap_expect', layout.consulServers.length)] : []),
      ...join,
      attribute('log_level', 'INFO'),
      map('node_meta', { arch: node.arch, ...node.labels }),
      block('ports', [attribute('http', PORTS.consulHttp), attribute('grpc', PORTS.consulGrpc)]),
      block('connect', [attribute('enabled', true)]),
      ...(server ? [block('ui_config', [attribute('enabled', true)])] : []),
      block('telemetry', [attribute('prometheus_retention_time', '60s'), attribute('disable_hostname', true)]),
    ],
  );
}

function check(i: InstanceLayout): HclEntry {
  const target =
    i.health.kind === 'http'
      ? [attribute('name', `${i.service} HTTP ${i.health.path}`), attribute('http', `http://127.0.0.1:${i.port}${i.health.path}`), attribute('method', 'GET')]
      : [attribute('name', `${i.service} TCP ${i.port}`), attribute('tcp', `127.0.0.1:${i.port}`)];
  return block('check', [
    attribute('id', `${i.id}-health`),
    ...target,
    attribute('interval', i.healthInterval),
    attribute('timeout', i.healthTimeout),
    // No deregister_critical_service_after: the agent loads this definition from its config
    // dir, and once reaped it would come back only with a `consul reload`, so an app that is
    // slow to start, or down for a while, would stay out of the catalog after it recovers.
    // A critical instance already leaves EDS; a lost node's instances go with its serfHealth.
  ]);
}

/**
 * One instance's registration: the node's routable address with the app's port, the
 * sidecar port in meta (callers are sent there), and a check the local agent runs
 * against the app on loopback.
 */
function serviceDefinition(i: InstanceLayout): GeneratedFile {
  const meta = { ...i.meta, [META.protocol]: i.protocol, [META.sidecarPort]: String(i.sidecarPort), [VERSION_META]: i.version };
  return hclFile(
    `consul/${i.node.name}/${i.name}.hcl`,
    [`Registration of ${i.id} (${i.service} ${i.version}), loaded by the agent of ${i.node.name}`],
    [
      block('service', [
        attribute('id', i.id),
        attribute('name', i.service),
        attribute('address', i.node.address),
        attribute('port', i.port),
        attribute('tags', i.tags),
        map('meta', Object.fromEntries(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
        check(i),
      ]),
    ],
  );
}

/** `consul/<node>/`: the agent config and one service definition per instance; a config dir for `consul agent`. */
export function generateConsul(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  return layout.nodes.flatMap((node) => [agentConfig(layout, node), ...layout.instances.filter((i) => i.node === node).map(serviceDefinition)]);
}
