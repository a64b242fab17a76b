import { CA_ROOTS_PATH, type CaRoots, type LeafCert, leafCertPath, parseCaRoots, parseLeafCert } from './connect-ca';
import { buildCaSnapshot, type ConnectCaSnapshot } from './connect-ca-snapshot';

/** Connect CA answers shaped as Consul 1.22 returns them, for unit tests. The PEMs are placeholders: nothing here parses them. */

export const TRUST_DOMAIN = '0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul';

export function fakePem(kind: 'CERTIFICATE' | 'EC PRIVATE KEY', label: string): string {
  return `-----BEGIN ${kind}-----\n${Buffer.from(label).toString('base64')}\n-----END ${kind}-----\n`;
}

export interface RootSpec {
  id: string;
  serial: number;
  active: boolean;
  notBefore?: string;
  notAfter?: string;
  intermediates?: string[];
}

export function rootsBody(activeRootId: string, roots: RootSpec[]): unknown {
  return {
    ActiveRootID: activeRootId,
    TrustDomain: TRUST_DOMAIN,
    Roots: roots.map((root) => ({
      ID: root.id,
      Name: 'Consul CA Primary Cert',
      SerialNumber: root.serial,
      SigningKeyID: 'f9:aa:d6',
      ExternalTrustDomain: TRUST_DOMAIN.replace(/\.consul$/, ''),
      NotBefore: root.notBefore ?? '2026-11-22T06:31:51Z',
      NotAfter: root.notAfter ?? '2036-11-19T06:31:51Z',
      RootCert: fakePem('CERTIFICATE', `root ${root.id}`).trimEnd(),
      IntermediateCerts: root.intermediates ?? null,
      Active: root.active,
      PrivateKeyType: 'ec',
      PrivateKeyBits: 256,
      CreateIndex: 9,
      ModifyIndex: 9,
    })),
  };
}

export interface LeafSpec {
  serial: string;
  validAfter?: string;
  validBefore?: string;
  signedBy?: string;
}

export function leafBody(service: string, leaf: LeafSpec): unknown {
  return {
    SerialNumber: leaf.serial,
    CertPEM: fakePem('CERTIFICATE', `leaf ${service} ${leaf.serial} by ${leaf.signedBy ?? 'root-a'}`),
    PrivateKeyPEM: fakePem('EC PRIVATE KEY', `key ${service} ${leaf.serial}`),
    Service: service,
    ServiceURI: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/${service}`,
    ValidAfter: leaf.validAfter ?? '2026-11-22T06:30:54Z',
    ValidBefore: leaf.validBefore ?? '2026-11-25T06:30:54Z',
    CreateIndex: 20,
    ModifyIndex: 20,
  };
}

/**
 * A CA snapshot as the watcher would emit it: root-a active, one leaf per service (serial
 * `<service>-<n>`, so a renewal is a new serial), built from Consul-shaped answers.
 */
export function caSnapshotFixture(leaves: Record<string, number>, previous?: ConnectCaSnapshot): ConnectCaSnapshot {
  const roots: CaRoots = previous ?? parseCaRoots(rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]), CA_ROOTS_PATH);
  const parsed = new Map<string, LeafCert>();
  for (const [service, generation] of Object.entries(leaves)) {
    const serial = `${service}-${generation}`;
    const before = previous?.leaves.get(service);
    parsed.set(service, before?.serialNumber === serial ? before : parseLeafCert(leafBody(service, { serial }), leafCertPath(service), service));
  }
  return buildCaSnapshot(roots, parsed, { rootsChanged: previous === undefined, changedLeaves: parsed.keys(), observedAt: 0 });
}
