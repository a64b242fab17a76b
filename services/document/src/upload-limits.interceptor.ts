import { ApiError } from '@mesh/service-kit';
import { BadRequestException, type CallHandler, type ExecutionContext, HttpStatus, Inject, Injectable, type NestInterceptor, PayloadTooLargeException } from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { DOCUMENT_SETTINGS, type DocumentSettings } from './document-settings';

/** Turns multer's terse errors ("File too large", "Unexpected file field - x") into ones that state the rule. */
@Injectable()
export class UploadLimitsInterceptor implements NestInterceptor {
  private readonly maxBytes: number;

  constructor(@Inject(DOCUMENT_SETTINGS) settings: DocumentSettings) {
    this.maxBytes = settings.maxBytes;
  }

  private explain(error: unknown): unknown {
    if (error instanceof PayloadTooLargeException) {
      return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'FILE_TOO_LARGE', `The file exceeds the upload limit of ${formatBytes(this.maxBytes)} (DOCUMENT_MAX_BYTES); nothing was stored.`);
    }
    const unexpected = error instanceof BadRequestException ? /^Unexpected file field - (.*)$/.exec(error.message) : null;
    if (unexpected) {
      return new ApiError(HttpStatus.BAD_REQUEST, 'UNEXPECTED_FILE_FIELD', `Send exactly one file, in the multipart field "file" (got a file in "${unexpected[1]}").`);
    }
    return error;
  }

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => this.explain(error))));
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
