import { HttpException, HttpStatus } from '@nestjs/common';

/** One problem with the input, located by its path (e.g. `profile.address`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** The JSON body of every 4xx/5xx answer from a demo service. */
export interface ErrorBody {
  statusCode: number;
  /** The HTTP reason phrase, e.g. `Bad Request`. */
  error: string;
  /** Stable machine-readable code, e.g. `VALIDATION_FAILED`, `INVALID_TOKEN`. */
  code: string;
  /** What went wrong and, where it helps, how to fix it. */
  message: string;
  details?: ErrorDetail[];
  path: string;
  timestamp: string;
}

/** An HTTP error with a stable code; the global filter turns it into an ErrorBody. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super({ code, message, details }, status);
  }
}
