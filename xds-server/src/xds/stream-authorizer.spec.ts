import { isLocalPeer, peerAddress } from './stream-authorizer';

describe('peerAddress and isLocalPeer', () => {
  it.each([
    ['127.0.0.1:5000', '127.0.0.1', true],
    ['ipv4:10.0.0.2:443', '10.0.0.2', false],
    ['[::1]:5000', '::1', true],
    ['[::ffff:127.0.0.1]:80', '::ffff:127.0.0.1', true],
    ['[2001:db8::1]:80', '2001:db8::1', false],
    ['198.18.0.5:1234', '198.18.0.5', false],
    ['unix:/run/xds.sock', 'unix', true],
  ])('%s is %s (local: %s)', (peer, address, local) => {
    expect(peerAddress(peer)).toBe(address);
    expect(isLocalPeer(peerAddress(peer))).toBe(local);
  });
});

describe('isLocalPeer and this host\'s own addresses', () => {
  it("counts one of this host's interface addresses as local, and no other address", () => {
    const own = () => new Set(['198.18.0.11', 'fe80::1']);
    expect(isLocalPeer('198.18.0.11', own)).toBe(true);
    expect(isLocalPeer('::ffff:198.18.0.11', own)).toBe(true);
    expect(isLocalPeer('198.18.0.12', own)).toBe(false);
  });
});
