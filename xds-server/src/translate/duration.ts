/** google.protobuf.Duration from milliseconds; zero parts are left out rather than sent as 0. */
export function duration(ms: number): { seconds?: number; nanos?: number } {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  return { ...(seconds ? { seconds } : {}), ...(nanos ? { nanos } : {}) };
}

/**
 * envoy.type.v3.FractionalPercent from a percentage. Per million, so that fractional
 * percentages such as 0.5 survive: the numerator is an integer.
 */
export function fractionalPercent(percent: number): { numerator: number; denominator: 'MILLION' } {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}
