import { join } from 'node:path';
import { repoRoot, startMeshService, type MeshService, type ProcessSupervisor, type XdsEndpoint } from '@mesh/harness';
import { httpRequest, type HttpResult } from './http-request';

export const ONBOARDING_STUB = join(__dirname, '..', 'fixtures', 'onboarding-stub.mjs');

export interface MeshContext {
  supervisor: ProcessSupervisor;
  consulAddr: string;
  xds: XdsEndpoint;
}

/** The Temporal worker (services/workflows, built) beside its sidecar. */
export function startWorker(context: MeshContext, temporalAddress: string, instanceId = 'workflows-1', env: Record<string, string> = {}): Promise<MeshService> {
  return startMeshService(context.supervisor, {
    service: 'workflows',
    instanceId,
    command: process.execPath,
    args: [join(repoRoot(), 'services/workflows/dist/main.js')],
    env: { TEMPORAL_ADDRESS: temporalAddress, WORKER_SHUTDOWN_GRACE_MS: '5000', ...env },
    consulAddr: context.consulAddr,
    xds: context.xds,
  });
}

/** test/fixtures/onboarding-stub.mjs registered as `service`, beside its sidecar. */
export function startStub(context: MeshContext, service: string, instanceId: string): Promise<MeshService> {
  return startMeshService(context.supervisor, {
    service,
    instanceId,
    command: process.execPath,
    args: [ONBOARDING_STUB],
    consulAddr: context.consulAddr,
    xds: context.xds,
  });
}

/** A JSON request through a sidecar's outbound listener, routed by Host to `service`. */
export async function viaSidecar(from: MeshService, service: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return httpRequest(`${from.outboundUrl}${path}`, {
    method,
    headers: { host: service, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
