import { CA_ROOTS_PATH, leafCertPath, parseCaRoots, parseLeafCert, parseSpiffeId, spiffeId, trustBundlePem } from './connect-ca';
import { fakePem, leafBody, rootsBody, TRUST_DOMAIN } from './connect-ca.spec-helper';
import { ConsulResponseError } from './consul-errors';

describe('parseCaRoots', () => {
  it('reads every root, sorted by id, with PEMs ending in a newline and dates as epoch ms', () => {
    const roots = parseCaRoots(
      rootsBody('bb:01', [
        { id: 'bb:01', serial: 10, active: true, intermediates: [fakePem('CERTIFICATE', 'cross').trimEnd()] },
        { id: 'aa:02', serial: 7, active: false },
      ]),
      CA_ROOTS_PATH,
    );
    expect(roots.trustDomain).toBe(TRUST_DOMAIN);
    expect(roots.activeRootId).toBe('bb:01');
    expect(roots.roots.map((r) => [r.id, r.serialNumber, r.active])).toEqual([
      ['aa:02', '07', false],
      ['bb:01', '0a', true],
    ]);
    expect(roots.roots[1]?.intermediateCertPems).toEqual([fakePem('CERTIFICATE', 'cross')]);
    expect(roots.roots[0]?.rootCertPem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(roots.roots[0]?.notAfterMs).toBe(Date.parse('2036-11-19T06:31:51Z'));
    expect(Object.isFrozen(roots) && Object.isFrozen(roots.roots) && Object.isFrozen(roots.roots[0])).toBe(true);
    expect(trustBundlePem(roots.roots)).toBe(fakePem('CERTIFICATE', 'root aa:02') + fakePem('CERTIFICATE', 'root bb:01'));
  });

  it('formats multi-byte root serials like Consul formats leaf serials', () => {
    const roots = parseCaRoots(rootsBody('a', [{ id: 'a', serial: 0x12f, active: true }]), CA_ROOTS_PATH);
    expect(roots.roots[0]?.serialNumber).toBe('01:2f');
  });

  it('rejects an ActiveRootID that names no listed root, and a wrong field type, naming the field', () => {
    expect(() => parseCaRoots(rootsBody('zz', [{ id: 'a', serial: 1, active: true }]), CA_ROOTS_PATH)).toThrow(/ActiveRootID "zz" names none of the Roots \(a\)/);
    const body = rootsBody('a', [{ id: 'a', serial: 1, active: true }]) as { Roots: Array<Record<string, unknown>> };
    body.Roots[0]!.Active = 'yes';
    expect(() => parseCaRoots(body, CA_ROOTS_PATH)).toThrow(new ConsulResponseError(CA_ROOTS_PATH, 'Roots[0].Active should be a boolean, got string'));
  });
});

describe('parseLeafCert', () => {
  const path = leafCertPath('web');

  it('reads a leaf with its chain, key, SPIFFE URI and validity', () => {
    const leaf = parseLeafCert(leafBody('web', { serial: '0c' }), path, 'web');
    expect(leaf).toEqual({
      service: 'web',
      serviceUri: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`,
      serialNumber: '0c',
      certChainPem: fakePem('CERTIFICATE', 'leaf web 0c by root-a'),
      privateKeyPem: fakePem('EC PRIVATE KEY', 'key web 0c'),
      validAfterMs: Date.parse('2026-11-22T06:30:54Z'),
      validBeforeMs: Date.parse('2026-11-25T06:30:54Z'),
    });
    expect(Object.isFrozen(leaf)).toBe(true);
  });

  it('rejects a leaf for another service, a bad date and a key that is not PEM, without echoing the key', () => {
    expect(() => parseLeafCert(leafBody('api', { serial: '01' }), path, 'web')).toThrow(/Service is "api", not "web"/);
    expect(() => parseLeafCert({ ...(leafBody('web', { serial: '01' }) as object), ValidBefore: 'soon' }, path, 'web')).toThrow(
      /ValidBefore should be an RFC 3339 time, got "soon"/,
    );
    const secret = 'MHcCAQEEIJUnp9eGXQXNVjKtR1o8';
    const error = thrown(() => parseLeafCert({ ...(leafBody('web', { serial: '01' }) as object), PrivateKeyPEM: secret }, path, 'web'));
    expect(error?.message).toMatch(/PrivateKeyPEM should be a PEM block/);
    expect(error?.message).not.toContain(secret.slice(0, 8));
  });

  it('encodes the service name in the path', () => {
    expect(leafCertPath('a b/c')).toBe('/v1/agent/connect/ca/leaf/a%20b%2Fc');
  });
});

describe('SPIFFE IDs', () => {
  it('builds the ID Consul puts in a leaf, and reads it back', () => {
    const id = spiffeId(TRUST_DOMAIN, 'dc1', 'web');
    expect(id).toBe(`spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/web`);
    expect(parseSpiffeId(id)).toEqual({ trustDomain: TRUST_DOMAIN, namespace: 'default', datacenter: 'dc1', service: 'web' });
    expect(parseSpiffeId(`spiffe://${TRUST_DOMAIN}/agent/client/dc/dc1/id/abc`)).toBeUndefined();
  });
});

function thrown(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
