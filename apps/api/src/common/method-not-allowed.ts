import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ErrorResponseDto } from './error-response.dto.js';
import { requestIdOf } from './request-id.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Express middleware answering 405 Method Not Allowed, with the `Allow` header, to a request whose path
 * is an operation of the API but whose method is not one of its methods (HTTP semantics: 404 would say
 * the resource does not exist). The routes are read from the OpenAPI document, which is generated from
 * the controllers, so the two cannot disagree. HEAD is allowed wherever GET is (Express answers it);
 * OPTIONS passes through untouched.
 */
export function methodNotAllowed(document: OpenAPIObject): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  const routes = Object.entries(document.paths).map(([template, operations]) => {
    const methods = METHODS.filter((method) => operations[method] !== undefined).map((method) => method.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    const pattern = template
      .split('/')
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('/');
    return { matches: new RegExp(`^${pattern}/?$`), methods };
  });
  return (request, response, next) => {
    const path = (request.url ?? '/').split('?')[0] as string;
    const route = routes.find((candidate) => candidate.matches.test(path));
    const method = (request.method ?? 'GET').toUpperCase();
    // OPTIONS is left to whatever answers it (a CORS preflight, when CORS is enabled for a route).
    if (!route || route.methods.includes(method) || method === 'OPTIONS') {
      next();
      return;
    }
    const correlationId = requestIdOf(request, response);
    const body: ErrorResponseDto = {
      status: 405,
      code: 'method-not-allowed',
      message: `${method} is not a method of ${path}; it takes ${route.methods.join(', ')}.`,
      details: [],
      correlationId,
    };
    response.statusCode = 405;
    response.setHeader('Allow', route.methods.join(', '));
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(body));
  };
}
