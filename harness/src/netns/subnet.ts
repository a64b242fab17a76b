/**
 * IPv4 subnets for simulated clusters. Every simulated host is addressed from
 * 198.18.0.0/15, the range RFC 2544 reserves for network benchmarking, so test traffic can
 * never reach a real network even if a route leaked.
 */

export const BENCHMARK_RANGE = '198.18.0.0/15';

export class SubnetError extends Error {
  override readonly name = 'SubnetError';
  constructor(
    readonly input: string,
    reason: string,
    fix: string,
  ) {
    super(`--subnet ${input}: ${reason}. ${fix}`);
  }
}

export interface Subnet {
  /** The network address as a 32-bit unsigned integer. */
  network: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function subnetContains(outer: Subnet, inner: Subnet): boolean {
  return inner.prefix >= outer.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

/** Host addresses a subnet has room for (network and broadcast excluded). */
export function hostCount(subnet: Subnet): number {
  return Math.max(0, 2 ** (32 - subnet.prefix) - 2);
}

export function formatSubnet(subnet: Subnet): string {
  return `${intToIp(subnet.network)}/${subnet.prefix}`;
}

function parseRaw(input: string): Subnet | undefined {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(input.trim());
  if (!match) return undefined;
  const address = ipToInt(match[1] as string);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { network: (address & mask(prefix)) >>> 0, prefix };
}

/**
 * A `--subnet` value: a CIDR inside 198.18.0.0/15 whose network address is exact (so a
 * typo in the host bits is reported, not silently masked away).
 */
export function parseSubnet(input: string): Subnet {
  const fix = `Give a CIDR inside ${BENCHMARK_RANGE}, e.g. 198.18.0.0/24 or 198.19.4.0/24.`;
  const subnet = parseRaw(input);
  if (!subnet) throw new SubnetError(input, 'not an IPv4 CIDR', fix);
  if (intToIp(subnet.network) !== input.trim().split('/')[0]) {
    throw new SubnetError(input, `host bits are set (the network is ${formatSubnet(subnet)})`, `Use ${formatSubnet(subnet)}.`);
  }
  const range = parseRaw(BENCHMARK_RANGE) as Subnet;
  if (!subnetContains(range, subnet)) throw new SubnetError(input, `outside ${BENCHMARK_RANGE}, the only range simulated hosts may use`, fix);
  if (subnet.prefix > 29) throw new SubnetError(input, 'too small for a bridge and its hosts', 'Use a prefix of /29 or shorter.');
  return subnet;
}
