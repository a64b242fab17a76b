import { Body, HttpStatus, type PipeTransform, Query } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiError, type ErrorDetail } from '../errors/api-error';

type SchemaObject = Extract<Parameters<typeof ApiBody>[0], { schema: unknown }>['schema'];

/** Validates (and strips unknown keys from) a request part; 400 VALIDATION_FAILED lists every problem with its path. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: 'body' | 'query',
  ) {}

  transform(value: unknown): z.output<S> {
    if (this.part === 'body' && (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0 && !Array.isArray(value)))) {
      // An absent body parses as {} in Express; say so instead of listing every field as missing.
      const emptyCheck = this.schema.safeParse({});
      if (!emptyCheck.success) {
        throw new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `The request body is empty or not JSON: ${summarize(issuesOf(emptyCheck.error))}. Send Content-Type: application/json.`, issuesOf(emptyCheck.error));
      }
    }
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const details = issuesOf(result.error);
    throw new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `Invalid request ${this.part}: ${summarize(details)}`, details);
  }
}

function issuesOf(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));
}

function summarize(details: readonly ErrorDetail[]): string {
  return details.map((d) => `${d.path}: ${d.message}`).join('; ');
}

/** The schema's JSON Schema in OpenAPI 3.0 form, for @nestjs/swagger. */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as SchemaObject;
}

/** Parameter decorator: the validated body. */
export function ZodBody<S extends z.ZodType>(schema: S): ParameterDecorator {
  return Body(new ZodValidationPipe(schema, 'body'));
}

/** Parameter decorator: the validated query string. */
export function ZodQuery<S extends z.ZodType>(schema: S): ParameterDecorator {
  return Query(new ZodValidationPipe(schema, 'query'));
}

/** Method decorator: documents the body in OpenAPI from the same schema that validates it. */
export function ApiZodBody(schema: z.ZodType, description?: string): MethodDecorator {
  return ApiBody({ schema: openApiSchema(schema), ...(description ? { description } : {}) });
}
