import { formatSubnet, hostCount, intToIp, ipToInt, parseSubnet, SubnetError } from './subnet';

describe('parseSubnet', () => {
  it('accepts CIDRs inside 198.18.0.0/15', () => {
    expect(formatSubnet(parseSubnet('198.18.0.0/24'))).toBe('198.18.0.0/24');
    expect(formatSubnet(parseSubnet('198.19.4.0/24'))).toBe('198.19.4.0/24');
    expect(formatSubnet(parseSubnet('198.18.0.0/15'))).toBe('198.18.0.0/15');
  });

  it.each([
    ['192.168.50.0/24', /outside 198\.18\.0\.0\/15/],
    ['10.0.0.0/8', /outside/],
    ['198.16.0.0/14', /outside/],
    ['198.18.0.5/24', /host bits are set \(the network is 198\.18\.0\.0\/24\)/],
    ['198.18.0.0', /not an IPv4 CIDR/],
    ['198.18.0.0/33', /not an IPv4 CIDR/],
    ['198.18.300.0/24', /not an IPv4 CIDR/],
    ['198.18.0.0/30', /too small/],
  ])('rejects %s with a message saying why and what to give', (input, reason) => {
    expect(() => parseSubnet(input)).toThrow(SubnetError);
    expect(() => parseSubnet(input)).toThrow(reason);
    expect(() => parseSubnet(input)).toThrow(`--subnet ${input}`);
  });
});

describe('address arithmetic', () => {
  it('round-trips addresses', () => {
    for (const ip of ['0.0.0.0', '198.18.0.11', '198.19.255.254', '255.255.255.255']) expect(intToIp(ipToInt(ip) as number)).toBe(ip);
    expect(ipToInt('1.2.3')).toBeUndefined();
  });

  it('counts usable hosts', () => {
    expect(hostCount(parseSubnet('198.18.0.0/24'))).toBe(254);
    expect(hostCount(parseSubnet('198.18.0.0/29'))).toBe(6);
  });
});
