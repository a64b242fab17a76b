import { ConsulResponseError } from './consul-errors';
import { JsonShape } from './json-shape';

/**
 * The Connect CA as the local Consul agent serves it: the trust bundle (every root Consul
 * still lists, the active one and the ones being rotated out) and one SPIFFE leaf certificate
 * per service. Immutable, with dates as epoch ms so that the models hash and compare plainly.
 */

export const CA_ROOTS_PATH = '/v1/agent/connect/ca/roots';

export function leafCertPath(service: string): string {
  return `/v1/agent/connect/ca/leaf/${encodeURIComponent(service)}`;
}

export interface CaRoot {
  /** Consul's root id (the colon-separated hex key id); ActiveRootID names one of these. */
  readonly id: string;
  readonly name: string;
  /** Lower-case colon-separated hex, the form Consul uses for leaf serials (`0a`, `01:2f`). */
  readonly serialNumber: string;
  /** PEM, ending with a newline so that bundles concatenate cleanly. */
  readonly rootCertPem: string;
  /** Certificates Consul pairs with this root, e.g. the new root cross-signed by the old one during a rotation. */
  readonly intermediateCertPems: readonly string[];
  readonly active: boolean;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

export interface CaRoots {
  /** `<cluster-id>.consul`: the authority part of every SPIFFE ID this CA signs. */
  readonly trustDomain: string;
  readonly activeRootId: string;
  /** Sorted by id, so that the trust bundle built from them does not depend on Consul's order. */
  readonly roots: readonly CaRoot[];
}

export interface LeafCert {
  readonly service: string;
  /** The SPIFFE ID in the certificate's URI SAN. */
  readonly serviceUri: string;
  readonly serialNumber: string;
  /** The leaf followed by any intermediates Consul adds (after a rotation: the cross-signed new root). */
  readonly certChainPem: string;
  readonly privateKeyPem: string;
  readonly validAfterMs: number;
  readonly validBeforeMs: number;
}

export interface ServiceSpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly datacenter: string;
  readonly service: string;
}

/** The SPIFFE ID Consul puts in a service's leaf certificate. The one place this format is written down. */
export function spiffeId(trustDomain: string, datacenter: string, service: string): string {
  return `spiffe://${trustDomain}/ns/default/dc/${datacenter}/svc/${service}`;
}

const SERVICE_SPIFFE_ID = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/dc\/([^/]+)\/svc\/([^/]+)$/;

/** Reads a Consul service SPIFFE ID; undefined for anything else (agent and mesh-gateway IDs, other formats). */
export function parseSpiffeId(uri: string): ServiceSpiffeId | undefined {
  const match = SERVICE_SPIFFE_ID.exec(uri);
  if (!match) return undefined;
  const [, trustDomain, namespace, datacenter, service] = match as unknown as [string, string, string, string, string];
  return { trustDomain, namespace, datacenter, service };
}

/** Reads a `/v1/agent/connect/ca/roots` answer. */
export function parseCaRoots(body: unknown, path: string): CaRoots {
  const shape = new JsonShape(path);
  const top = shape.object(body, '');
  const trustDomain = shape.string(top.TrustDomain, 'TrustDomain');
  const activeRootId = shape.string(top.ActiveRootID, 'ActiveRootID');
  const roots = (top.Roots === null ? [] : shape.array(top.Roots, 'Roots')).map((raw, i) => {
    const at = `Roots[${i}]`;
    const root = shape.object(raw, at);
    return Object.freeze({
      id: shape.string(root.ID, `${at}.ID`),
      name: shape.optionalString(root.Name, `${at}.Name`),
      serialNumber: hexSerial(shape.integer(root.SerialNumber, `${at}.SerialNumber`)),
      rootCertPem: pem(shape, root.RootCert, `${at}.RootCert`),
      intermediateCertPems: Object.freeze(
        shape.stringList(root.IntermediateCerts, `${at}.IntermediateCerts`).map((cert, c) => pem(shape, cert, `${at}.IntermediateCerts[${c}]`)),
      ),
      active: boolean(shape, root.Active, `${at}.Active`),
      notBeforeMs: timestamp(shape, root.NotBefore, `${at}.NotBefore`),
      notAfterMs: timestamp(shape, root.NotAfter, `${at}.NotAfter`),
    });
  });
  if (activeRootId !== '' && !roots.some((root) => root.id === activeRootId)) {
    throw new ConsulResponseError(path, `ActiveRootID ${JSON.stringify(activeRootId)} names none of the Roots (${roots.map((r) => r.id).join(', ') || 'none listed'})`);
  }
  roots.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return Object.freeze({ trustDomain, activeRootId, roots: Object.freeze(roots) });
}

/** Reads a `/v1/agent/connect/ca/leaf/:service` answer for `service`. */
export function parseLeafCert(body: unknown, path: string, service: string): LeafCert {
  const shape = new JsonShape(path);
  const leaf = shape.object(body, '');
  const named = shape.string(leaf.Service, 'Service');
  if (named !== service) throw new ConsulResponseError(path, `Service is ${JSON.stringify(named)}, not ${JSON.stringify(service)}, the service asked for`);
  const validAfterMs = timestamp(shape, leaf.ValidAfter, 'ValidAfter');
  const validBeforeMs = timestamp(shape, leaf.ValidBefore, 'ValidBefore');
  if (validBeforeMs <= validAfterMs) throw new ConsulResponseError(path, `ValidBefore (${String(leaf.ValidBefore)}) is not after ValidAfter (${String(leaf.ValidAfter)})`);
  return Object.freeze({
    service,
    serviceUri: shape.string(leaf.ServiceURI, 'ServiceURI'),
    serialNumber: shape.string(leaf.SerialNumber, 'SerialNumber'),
    certChainPem: pem(shape, leaf.CertPEM, 'CertPEM'),
    privateKeyPem: pem(shape, leaf.PrivateKeyPEM, 'PrivateKeyPEM'),
    validAfterMs,
    validBeforeMs,
  });
}

/** The validation context's trusted CAs: every root, each ending in a newline, in id order. */
export function trustBundlePem(roots: readonly Pick<CaRoot, 'rootCertPem'>[]): string {
  return roots.map((root) => root.rootCertPem).join('');
}

function pem(shape: JsonShape, value: unknown, at: string): string {
  const text = shape.string(value, at);
  if (!text.startsWith('-----BEGIN ')) throw new ConsulResponseError(shape.path, `${at} should be a PEM block, got ${text === '' ? 'an empty string' : 'text without a -----BEGIN line'}`);
  return text.endsWith('\n') ? text : `${text}\n`;
}

function boolean(shape: JsonShape, value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') throw shape.error(at, 'a boolean', value);
  return value;
}

function timestamp(shape: JsonShape, value: unknown, at: string): number {
  const ms = Date.parse(shape.string(value, at));
  if (Number.isNaN(ms)) throw new ConsulResponseError(shape.path, `${at} should be an RFC 3339 time, got ${JSON.stringify(value)}`);
  return ms;
}

function hexSerial(serial: number): string {
  let hex = serial.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return hex.match(/../g)?.join(':') ?? '00';
}
