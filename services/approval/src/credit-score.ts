import { createHash } from 'node:crypto';

/**
 * The simulated bureau's score for a user: stable per user (so a retried request gets the
 * same answer), spread over 560-849 on the usual 300-850 scale.
 */
export function creditScoreFor(userId: string): number {
  const digest = createHash('sha256').update(userId).digest();
  return 560 + (digest.readUInt32BE(0) % 290);
}
