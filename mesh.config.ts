/**
 * The demo mesh: five NestJS services and the Temporal worker on a developer machine and
 * two Raspberry Pis. Every service, and the worker, runs on at least two nodes, so the mesh
 * survives the loss of any one Pi; Consul runs a server on each of the three nodes and the
 * control plane a replica on each (`mesh cluster up` runs it all on simulated hosts). The control plane serves this file's traffic policy over xDS, and
 * `mesh generate` turns it into compose files, systemd units, Envoy bootstraps, Consul
 * service definitions, a Prometheus scrape config and Grafana dashboards (deploy/README.md).
 *
 * Ports follow one scheme: app 300x, sidecar (public) 2100x, Envoy admin 1900x. Sidecars
 * that share a node share its loopback, so each one there takes its own outbound port.
 */
import { defineMesh, type HealthCheckDefinition } from '@mesh/xds-server';

const health: HealthCheckDefinition = { http: '/health', interval: '10s', timeout: '2s', deregisterAfter: '1m' };
const image = (service: string, version = '0.1.0') => `ghcr.io/consul-envoy-mesh/${service}:${version}`;

export default defineMesh({
  name: 'demo',

  nodes: {
    local: { address: '192.168.50.10', arch: 'amd64', labels: { role: 'control', site: 'desk' } },
    'pi-1': { address: '192.168.50.11', arch: 'arm64', labels: { role: 'worker', board: 'raspberry-pi-5', site: 'rack-a' } },
    'pi-2': { address: '192.168.50.12', arch: 'arm64', labels: { role: 'worker', board: 'raspberry-pi-5', site: 'rack-a' } },
  },

  // A raft cluster of three survives the loss of one server; every Envoy lists all three replicas.
  consul: { servers: ['local', 'pi-1', 'pi-2'] },
  controlPlane: { nodes: ['local', 'pi-1', 'pi-2'] },

  defaults: {
    timeouts: { connect: '1s', request: '15s', idle: '5m' },
    loadBalancer: 'round_robin',
    mtls: 'strict',
  },

  services: {
    auth: {
      nodes: ['local', 'pi-1'],
      command: 'node services/auth/dist/main.js',
      image: image('auth'),
      port: 3001,
      protocol: 'http',
      health,
      sidecar: { port: 21001, adminPort: 19001, outboundPort: 15001 },
      traffic: {
        timeouts: { request: '3s' },
        circuitBreaker: { maxConnections: 256, maxPendingRequests: 128, maxRequests: 256 },
      },
    },

    user: {
      nodes: ['pi-1', 'pi-2'],
      command: 'node services/user/dist/main.js',
      image: image('user'),
      port: 3002,
      protocol: 'http',
      health,
      // approval is also on 127.0.0.1:16004 for clients that cannot set a Host header.
      upstreams: [{ service: 'approval', localBindPort: 16004 }, 'document', 'notification'],
      sidecar: { port: 21002, adminPort: 19002, outboundPort: 15002 },
      traffic: {
        timeouts: { request: '5s' },
        allowedCallers: ['workflows'],
      },
    },

    document: {
      nodes: ['pi-2', 'local'],
      command: 'node services/document/dist/main.js',
      image: image('document'),
      port: 3003,
      protocol: 'http',
      env: { DOCUMENT_MAX_UPLOAD_BYTES: '10485760' },
      health,
      sidecar: { port: 21003, adminPort: 19003, outboundPort: 15003 },
      traffic: {
        // Scans and OCR fail transiently under load; a retried read is cheap.
        retries: {
          retryOn: ['5xx', 'reset', 'connect-failure'],
          numRetries: 3,
          perTryTimeout: '2s',
          backoff: { base: '25ms', max: '250ms' },
          budget: { percent: 20, minRetryConcurrency: 3 },
        },
        timeouts: { request: '10s' },
        circuitBreaker: { maxConnections: 128, maxPendingRequests: 64, maxRequests: 128, maxRetries: 8 },
        allowedCallers: ['user', 'workflows'],
      },
    },

    approval: {
      // Two replicas, one per Pi, so losing a board does not stop decisions.
      nodes: ['pi-1', 'pi-2'],
      command: 'node services/approval/dist/main.js',
      image: image('approval'),
      port: 3004,
      protocol: 'http',
      health,
      upstreams: ['notification'],
      sidecar: { port: 21004, adminPort: 19004, outboundPort: 15004 },
      traffic: {
        retries: { retryOn: ['connect-failure', 'reset', 'gateway-error'], numRetries: 2, perTryTimeout: '2s' },
        timeouts: { request: '5s' },
        loadBalancer: 'least_request',
        outlierDetection: {
          consecutive5xx: 5,
          consecutiveGatewayErrors: 3,
          interval: '10s',
          baseEjectionTime: '30s',
          maxEjectionPercent: 50,
        },
        circuitBreaker: { maxConnections: 128, maxPendingRequests: 64, maxRequests: 128, maxRetries: 4 },
        allowedCallers: ['user', 'workflows'],
      },
    },

    notification: {
      nodes: ['pi-1', 'local'],
      command: 'node services/notification/dist/main.js',
      image: image('notification'),
      port: 3005,
      protocol: 'http',
      health,
      meta: { version: 'v1' },
      sidecar: { port: 21005, adminPort: 19005, outboundPort: 15005 },
      // The canary: v2 batches SMS and push deliveries, on the other Pi.
      versions: {
        v2: { nodes: ['pi-2'], image: image('notification', '0.2.0'), env: { NOTIFICATION_BATCHING: 'on' } },
      },
      traffic: {
        subsets: { v1: { meta: { version: 'v1' } }, v2: { meta: { version: 'v2' } } },
        split: [
          { subset: 'v1', weight: 90 },
          { subset: 'v2', weight: 10 },
        ],
        timeouts: { request: '3s' },
        circuitBreaker: { maxPendingRequests: 256, maxRequests: 512 },
        allowedCallers: ['user', 'workflows', 'approval'],
      },
    },

    workflows: {
      // The Temporal worker: no inbound API, but /health and /metrics on 3006.
      nodes: ['local', 'pi-2'],
      command: 'node services/workflows/dist/main.js',
      image: image('workflows'),
      port: 3006,
      protocol: 'http',
      env: { TEMPORAL_TASK_QUEUE: 'onboarding' },
      health,
      upstreams: ['user', 'document', 'approval', 'notification'],
      sidecar: { port: 21006, adminPort: 19006, outboundPort: 15006 },
    },
  },

  gateway: {
    node: 'local',
    port: 8080,
    adminPort: 19000,
    // The public API, on the paths the services serve (services/README.md, "APIs"). Internal
    // endpoints stay unrouted: approval entirely, document's /reviews, notification's writes.
    routes: [
      { prefix: '/auth', service: 'auth' },
      { prefix: '/users', service: 'user' },
      { prefix: '/documents', service: 'document' },
      { prefix: '/notifications', service: 'notification', methods: ['GET'] },
    ],
  },
});
