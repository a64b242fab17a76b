import type { TypeUrl } from '../resources/type-url';

/** The error a client reported with a NACK (google.rpc.Status). */
export interface ErrorDetail {
  code: number;
  message: string;
}

/** A rejected response, as recorded for /info, `mesh status` and metrics. */
export interface NackRecord {
  typeUrl: TypeUrl;
  /** The version (SotW) or resource versions (Delta) the client rejected. */
  rejectedVersion: string;
  resourceNames: string[];
  error: ErrorDetail;
  at: Date;
}
