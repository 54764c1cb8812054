import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** Express middleware form of `requestIdOf`, mounted first. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse, next: () => void): void {
  requestIdOf(request, response);
  next();
}
