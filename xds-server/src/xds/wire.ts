import type { Resource } from '../resources/resource';
import type { ErrorDetail } from './nack-record';
import type { NodeMessage } from './proxy-node';
import { isTypeUrl, type TypeUrl } from '../resources/type-url';
import type { SotwRequest, SotwResponse } from './sotw-stream';
import type { DeltaRequest, DeltaResponse } from './delta-stream';

/** DiscoveryRequest / DeltaDiscoveryRequest as proto-loader decodes them (keepCase). */
export interface WireSotwRequest {
  version_info?: string;
  node?: NodeMessage | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export interface WireDeltaRequest {
  node?: NodeMessage | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

interface WireAny {
  type_url: string;
  value: Buffer;
}

export interface WireSotwResponse {
  version_info: string;
  resources: WireAny[];
  type_url: string;
  nonce: string;
  control_plane: { identifier: string };
}

export interface WireDeltaResponse {
  system_version_info: string;
  resources: Array<{ name: string; version: string; resource: WireAny }>;
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane: { identifier: string };
}

/** The most resource names one request may subscribe to; a mesh far past it needs a design of its own. */
export const MAX_RESOURCE_NAMES_PER_REQUEST = 20_000;

/**
 * A request the server will not take, decoded no further: what the deserializer hands the
 * session instead of throwing (grpc-js would end the call with INTERNAL, which names nothing).
 */
export class RejectedRequest {
  constructor(
    /** INVALID_ARGUMENT for bytes that are no DiscoveryRequest, RESOURCE_EXHAUSTED for one past a limit. */
    readonly code: 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED',
    readonly reason: string,
  ) {}
}

/** A request with more resource names than MAX_RESOURCE_NAMES_PER_REQUEST. */
export class TooManyResourceNamesError extends Error {
  override readonly name = 'TooManyResourceNamesError';
  constructor(count: number) {
    super(`the request lists ${count} resource names; at most ${MAX_RESOURCE_NAMES_PER_REQUEST} are taken in one request`);
  }
}

/** A request for a type this server does not serve. */
export class UnknownTypeUrlError extends Error {
  override readonly name = 'UnknownTypeUrlError';
  constructor(readonly typeUrl: string) {
    super(`unsupported type_url "${typeUrl}"; this server serves CDS, EDS, LDS, SRDS, RDS and SDS (v3)`);
  }
}

function typeUrlOf(value: string | undefined, fallback: TypeUrl | undefined): TypeUrl {
  // Per-type services (CDS, EDS, ...) may leave type_url empty.
  const typeUrl = value || fallback || '';
  if (!isTypeUrl(typeUrl)) throw new UnknownTypeUrlError(typeUrl);
  return typeUrl;
}

function errorDetail(wire: { code?: number; message?: string } | null | undefined): ErrorDetail | undefined {
  return wire ? { code: wire.code ?? 0, message: wire.message ?? '' } : undefined;
}

const any = (r: Resource): WireAny => ({ type_url: r.typeUrl, value: r.bytes });

/** resource_names stay undecoded until read: an ACK that repeats them is recognised by their bytes. */
export function fromWireSotw(wire: WireSotwRequest & { resource_names_key?: Buffer }, fixedType?: TypeUrl): SotwRequest {
  return {
    typeUrl: typeUrlOf(wire.type_url, fixedType),
    versionInfo: wire.version_info ?? '',
    get resourceNames(): readonly string[] {
      return wire.resource_names ?? [];
    },
    ...(wire.resource_names_key ? { resourceNamesKey: wire.resource_names_key } : {}),
    responseNonce: wire.response_nonce ?? '',
    errorDetail: errorDetail(wire.error_detail),
  };
}

export function fromWireDelta(wire: WireDeltaRequest, fixedType?: TypeUrl): DeltaRequest {
  const count = (wire.resource_names_subscribe?.length ?? 0) + (wire.resource_names_unsubscribe?.length ?? 0);
  if (count > MAX_RESOURCE_NAMES_PER_REQUEST) throw new TooManyResourceNamesError(count);
  return {
    typeUrl: typeUrlOf(wire.type_url, fixedType),
    subscribe: wire.resource_names_subscribe ?? [],
    unsubscribe: wire.resource_names_unsubscribe ?? [],
    initialVersions: wire.initial_resource_versions ?? {},
    responseNonce: wire.response_nonce ?? '',
    errorDetail: errorDetail(wire.error_detail),
  };
}

export function toWireSotw(response: SotwResponse, identifier: string): WireSotwResponse {
  return {
    version_info: response.versionInfo,
    resources: response.resources.map(any),
    type_url: response.typeUrl,
    nonce: response.nonce,
    control_plane: { identifier },
  };
}

export function toWireDelta(response: DeltaResponse, identifier: string): WireDeltaResponse {
  return {
    system_version_info: response.systemVersionInfo,
    resources: response.resources.map((r) => ({ name: r.name, version: r.version, resource: any(r) })),
    type_url: response.typeUrl,
    removed_resources: [...response.removed],
    nonce: response.nonce,
    control_plane: { identifier },
  };
}
