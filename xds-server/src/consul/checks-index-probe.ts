import { parseConsulIndex } from './blocking-index';
import { READ_TIMEOUT_MS, readConsul } from './consul-read';
import type { ConsulTransport } from './consul-transport';
import { HEALTH_STATE_PATH } from './health-state';

/** Matches no check, so the answer is `[]` however large the catalog: only its index is wanted. */
export const PROBE_FILTER = 'Status == "passing" and Status == "critical"';

/** The checks table's current index (X-Consul-Index of a non-blocking, filtered health/state/any read). */
export async function probeChecksIndex(transport: ConsulTransport, signal: AbortSignal): Promise<bigint> {
  const response = await readConsul(transport, { path: HEALTH_STATE_PATH, query: [['filter', PROBE_FILTER]], signal, timeoutMs: READ_TIMEOUT_MS });
  return parseConsulIndex(response.index, HEALTH_STATE_PATH);
}
