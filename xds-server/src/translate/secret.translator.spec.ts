import { CA_ROOTS_PATH, leafCertPath, parseCaRoots, parseLeafCert } from '../consul/connect-ca';
import { fakePem, leafBody, rootsBody } from '../consul/connect-ca.spec-helper';
import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import { protoRoundTrip } from './proto-roundtrip.spec-helper';
import { IDENTITY_SECRET_NAME, identitySecret, leafSecret, leafSecretName, NoCaRootsError, ROOTS_SECRET_NAME, rootsSecret } from './secret.translator';

const rotating = parseCaRoots(
  rootsBody('root-b', [
    { id: 'root-b', serial: 10, active: true },
    { id: 'root-a', serial: 7, active: false },
  ]),
  CA_ROOTS_PATH,
);
const web = parseLeafCert(leafBody('web', { serial: '0c' }), leafCertPath('web'), 'web');
const api = parseLeafCert(leafBody('api', { serial: '0d' }), leafCertPath('api'), 'api');

describe('SDS secrets from the Connect CA', () => {
  it('names secrets by role, never by content', () => {
    expect(leafSecretName('web')).toBe('leaf:web');
    expect(ROOTS_SECRET_NAME).toBe('roots');
  });

  it("a service's tls_certificate carries its chain and key inline, and is a valid Secret", () => {
    const secret = leafSecret(web);
    expect(protoRoundTrip(TypeUrl.Secret, secret)).toEqual({
      name: 'leaf:web',
      tls_certificate: {
        certificate_chain: { inline_string: fakePem('CERTIFICATE', 'leaf web 0c by root-a') },
        private_key: { inline_string: fakePem('EC PRIVATE KEY', 'key web 0c') },
      },
    });
    expect(encodeResource(TypeUrl.Secret, 'leaf:web', secret).name).toBe('leaf:web');
  });

  it("a proxy's own certificate is served under the one name `identity`, whatever its service", () => {
    expect(IDENTITY_SECRET_NAME).toBe('identity');
    const decoded = protoRoundTrip(TypeUrl.Secret, identitySecret(api)) as { name: string; tls_certificate: { certificate_chain: { inline_string: string } } };
    expect(decoded.name).toBe('identity');
    expect(decoded.tls_certificate.certificate_chain.inline_string).toBe(fakePem('CERTIFICATE', 'leaf api 0d by root-a'));
  });

  it('the validation context trusts every root, old and new, in a stable order', () => {
    const secret = rootsSecret(rotating.roots);
    expect(protoRoundTrip(TypeUrl.Secret, secret)).toEqual({
      name: 'roots',
      validation_context: { trusted_ca: { inline_string: fakePem('CERTIFICATE', 'root root-a') + fakePem('CERTIFICATE', 'root root-b') } },
    });
    const reordered = parseCaRoots(rootsBody('root-b', [...rotating.roots].reverse().map((r) => ({ id: r.id, serial: 1, active: r.active }))), CA_ROOTS_PATH);
    expect(encodeResource(TypeUrl.Secret, 'roots', rootsSecret(reordered.roots)).version).toBe(encodeResource(TypeUrl.Secret, 'roots', secret).version);
  });

  it('refuses an empty trust bundle, saying what to check', () => {
    expect(() => rootsSecret([])).toThrow(NoCaRootsError);
    expect(() => rootsSecret([])).toThrow(/lists no root .*connect \{ enabled = true \}/);
  });
});
