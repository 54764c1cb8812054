import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { DefinitionInvalidError, DomainError, type FieldProblem } from './domain-errors.js';
import type { ErrorResponseDto } from './error-response.dto.js';

/**
 * The one place where errors become HTTP responses: domain errors keep their status and message,
 * framework errors (bad JSON, unknown route, failed validation) keep theirs, and anything else is a 500
 * whose body carries only a correlation id while the cause goes to the log under that id.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string | number }>();
    const response = http.getResponse<Response>();
    const correlationId = String(request.id ?? request.headers['x-request-id'] ?? 'unknown');
    const body = this.toBody(exception, correlationId);
    if (body.status >= 500) {
      this.logger.error({ err: exception, correlationId, method: request.method, url: request.originalUrl }, 'request failed');
    }
    response.status(body.status).json(body);
  }

  private toBody(exception: unknown, correlationId: string): ErrorResponseDto {
    if (exception instanceof DomainError) {
      const body: ErrorResponseDto = { status: exception.status, code: exception.code, message: exception.message, details: [...exception.details], correlationId };
      if (exception instanceof DefinitionInvalidError) body.diagnostics = [...exception.diagnostics];
      return body;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const { message, details } = describeHttpException(exception);
      return { status, code: codeForStatus(status), message, details, correlationId };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      code: 'internal-error',
      message: `Something went wrong on the server. Quote correlation id ${correlationId} when reporting it.`,
      details: [],
      correlationId,
    };
  }
}

function describeHttpException(exception: HttpException): { message: string; details: FieldProblem[] } {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'details' in response && Array.isArray(response.details)) {
    return { message: exception.message, details: response.details as FieldProblem[] };
  }
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (Array.isArray(message)) return { message: message.join('; '), details: [] };
    if (typeof message === 'string') return { message, details: [] };
  }
  return { message: exception.message, details: [] };
}

function codeForStatus(status: number): string {
  const name = HttpStatus[status];
  return typeof name === 'string' ? name.toLowerCase().replaceAll('_', '-') : `http-${status}`;
}
