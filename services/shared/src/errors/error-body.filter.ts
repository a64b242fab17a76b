import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { STATUS_CODES } from 'node:http';
import { ApiError, type ErrorBody, type ErrorDetail } from './api-error';

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/**
 * Every error leaves as an ErrorBody: ApiErrors keep their code and details, Nest's own
 * HttpExceptions (404 route, malformed JSON mapped by Nest, multer's 413) get a code from
 * their status, and anything else is a 500 whose cause is logged, not sent.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = this.toBody(exception, request.originalUrl ?? request.url);
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, path: body.path, method: request.method }, body.message);
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, path: string): ErrorBody {
    const timestamp = new Date().toISOString();
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const error = STATUS_CODES[statusCode] ?? 'Error';
      const { message, details, code } = describe(exception);
      return {
        statusCode,
        error,
        code: code ?? CODE_BY_STATUS[statusCode] ?? (statusCode >= 500 ? 'INTERNAL' : 'BAD_REQUEST'),
        message,
        ...(details && details.length > 0 ? { details } : {}),
        path,
        timestamp,
      };
    }
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      code: 'INTERNAL',
      message: 'The service failed to handle this request; see its logs.',
      path,
      timestamp,
    };
  }
}

function describe(exception: HttpException): { message: string; details?: ErrorDetail[]; code?: string } {
  if (exception instanceof ApiError) return { message: exception.message, details: exception.details, code: exception.code };
  const response = exception.getResponse();
  if (typeof response === 'string') return { message: response };
  const record = response as { message?: unknown };
  // Nest puts a list of messages under `message` for some built-in errors.
  if (Array.isArray(record.message)) {
    const messages = record.message.map(String);
    return { message: messages.join('; '), details: messages.map((m) => ({ path: '', message: m })) };
  }
  if (typeof record.message === 'string') {
    // Nest maps body-parser's SyntaxError to a plain BadRequestException carrying the parser's text.
    if (exception.getStatus() === 400 && /JSON/.test(record.message)) {
      return { message: `Malformed JSON body: ${record.message}. Send valid JSON with Content-Type: application/json.`, code: 'MALFORMED_JSON' };
    }
    return { message: record.message };
  }
  return { message: exception.message };
}
