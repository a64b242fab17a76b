import { httpGet } from '@mesh/harness';

const HISTOGRAM = 'mesh_xds_change_to_send_seconds';

/** Cumulative bucket counts of the control plane's change-to-send histogram, summed over types. */
export type BucketCounts = Map<number, number>;

export async function changeToSendBuckets(adminUrl: string): Promise<BucketCounts> {
  const text = await httpGet(`${adminUrl}/metrics`, 5000);
  const buckets: BucketCounts = new Map();
  const pattern = new RegExp(`^${HISTOGRAM}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+(?:\\.\\d+)?)$`, 'gm');
  for (const match of text.matchAll(pattern)) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

export interface BucketQuantiles {
  count: number;
  /** Upper bounds of the buckets holding the quantile, in ms (Infinity past the last bucket). */
  p50AtMostMs: number;
  p99AtMostMs: number;
}

/**
 * The control plane's own share of a propagation: from the Consul answer reaching it to the
 * response being written to a stream, per stream write, between two scrapes. Bucketed, so
 * quantiles are upper bounds.
 */
export function quantilesBetween(before: BucketCounts, after: BucketCounts): BucketQuantiles {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const count = delta.at(-1) ?? 0;
  const at = (q: number) => {
    const i = delta.findIndex((c) => c >= q * count);
    return i < 0 ? Infinity : (bounds[i] as number) * 1000;
  };
  return { count, p50AtMostMs: at(0.5), p99AtMostMs: at(0.99) };
}
