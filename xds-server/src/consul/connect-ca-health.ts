import type { CertificateWarning, ConnectCaStatus } from './connect-ca-watcher';

/**
 * STARTING: no certificates read yet and nothing failed. UP: every CA watch answered its last
 * request and no certificate is in danger. DEGRADED: a CA watch is failing (the last good
 * certificates keep serving) or a certificate is expiring unrenewed or has expired.
 */
export type ConnectCaHealthStatus = 'STARTING' | 'UP' | 'DEGRADED';

/** The Connect CA part of /health. Dates serialise as ISO strings. */
export interface ConnectCaHealth {
  readonly status: ConnectCaHealthStatus;
  /** While DEGRADED: the worst certificate warning, else the error of the watch failing longest. */
  readonly reason?: string;
  readonly degradedSince?: Date;
  readonly failingWatches: readonly string[];
  readonly warnings: readonly CertificateWarning[];
  readonly trustDomain?: string;
  readonly roots: number;
  readonly leaves: number;
  /** The leaf closest to expiry: what to look at first when mTLS starts failing. */
  readonly nextExpiry?: { readonly certificate: string; readonly at: Date };
}

export function connectCaHealth(ca: ConnectCaStatus): ConnectCaHealth {
  const failing = ca.watches.filter((w) => w.consecutiveErrors > 0);
  const oldestFailure = [...failing].sort((a, b) => time(a.failingSince) - time(b.failingSince))[0];
  const warning = [...ca.warnings].sort((a, b) => a.remainingMs - b.remainingMs)[0];
  const soonest = [...ca.leaves].sort((a, b) => a.remainingMs - b.remainingMs)[0];
  const served = ca.version !== undefined;
  const status: ConnectCaHealthStatus = oldestFailure || warning ? 'DEGRADED' : served ? 'UP' : 'STARTING';
  const reason = warning
    ? warning.message
    : oldestFailure && `${oldestFailure.name}: ${oldestFailure.lastError?.message ?? 'failing'}${served ? '' : ' (no certificates read yet, nothing to serve)'}`;
  return {
    status,
    ...(reason && { reason }),
    ...(oldestFailure?.failingSince && { degradedSince: oldestFailure.failingSince }),
    failingWatches: failing.map((w) => w.name),
    warnings: ca.warnings,
    ...(ca.trustDomain && { trustDomain: ca.trustDomain }),
    roots: ca.roots.length,
    leaves: ca.leaves.length,
    ...(soonest && { nextExpiry: { certificate: `leaf:${soonest.service}`, at: soonest.validBefore } }),
  };
}

function time(date: Date | undefined): number {
  return date?.getTime() ?? 0;
}
