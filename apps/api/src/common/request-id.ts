import type { IncomingMessage, ServerResponse } from 'node:http';
import { withCorrelationId } from '../../../../src/observability/correlation.js';

/**
 * The correlation id of a request: the caller's X-Request-Id when it is sensible, else a fresh one.
 * Assigned once, before anything else (body parsing included) can fail, and echoed in the response.
 */
export function requestIdOf(request: IncomingMessage & { id?: unknown }, response: ServerResponse): string {
  if (typeof request.id === 'string') return request.id;
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : crypto.randomUUID();
  request.id = id;
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Express middleware form of `requestIdOf`, mounted first. The rest of the request runs under its id, so
 * the workflows it reaches and their activities log under it too (see src/observability/correlation.ts).
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  withCorrelationId(requestIdOf(request, response), next);
}
