import { ConsulResponseError } from './consul-errors';

/**
 * The index to send with the next blocking query, given the one sent and the one returned.
 * Consul's rules: an index that goes backwards (snapshot restore, upgrade, KV delete of the
 * max index) resets the loop to 0, i.e. a fresh non-blocking read; an index that comes back
 * as 0 is clamped to 1, because blocking on 0 returns at once and turns the loop into a spin.
 */
export function nextIndex(sent: bigint, returned: bigint): bigint {
  if (returned < sent) return 0n;
  return returned < 1n ? 1n : returned;
}

/** The `X-Consul-Index` header as a bigint: the index is a uint64 and can outgrow a double. */
export function parseConsulIndex(header: string | null | undefined, path: string): bigint {
  if (header === null || header === undefined || header === '') {
    throw new ConsulResponseError(path, 'the X-Consul-Index header is missing, so the endpoint does not support blocking queries');
  }
  if (!/^\d+$/.test(header)) throw new ConsulResponseError(path, `X-Consul-Index is ${JSON.stringify(header)}, not an unsigned integer`);
  return BigInt(header);
}
