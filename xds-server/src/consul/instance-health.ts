/** Consul's check states, worst last. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

const RANK: Readonly<Record<CheckStatus, number>> = { passing: 0, warning: 1, critical: 2 };

export function isCheckStatus(value: string): value is CheckStatus {
  return Object.hasOwn(RANK, value);
}

/**
 * The health of one instance: the worst status over all its checks, node checks (serfHealth,
 * node maintenance) included, exactly as `?passing` judges it. No checks means passing, as in
 * Consul. An unknown status counts as critical: a newer Consul's new state should fail closed.
 */
export function aggregateHealth(statuses: readonly string[]): CheckStatus {
  let worst: CheckStatus = 'passing';
  for (const status of statuses) {
    const known: CheckStatus = isCheckStatus(status) ? status : 'critical';
    if (RANK[known] > RANK[worst]) worst = known;
  }
  return worst;
}
