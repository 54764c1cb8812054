import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../../../src/config/config.js';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../common/domain-errors.js';
import { APP_CONFIG } from '../common/injection-tokens.js';
import { CODEC_SESSION_COOKIE } from './codec.service.js';

/** What the Web UI sends with its codec requests (Temporal's codec-server protocol). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

/**
 * CORS for the codec routes only: the Temporal Web UI runs on another origin and calls them from the
 * browser, with credentials (the session cookie) when "Include cross-origin credentials" is on. Origins
 * are listed exactly (PROCUREFLOW_CODEC_ORIGINS): with credentials, a wildcard is neither allowed by
 * browsers nor safe. A request from any other origin is refused before it reaches the route.
 */
@Injectable()
export class CodecCorsMiddleware implements NestMiddleware {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!this.config.codecOrigins.includes(origin)) {
        next(
          new ForbiddenError(
            `Pages from ${origin} may not call the codec: ${
              this.config.codecOrigins.length === 0 ? 'no origin is allowed' : `only ${this.config.codecOrigins.join(', ')} may`
            } (PROCUREFLOW_CODEC_ORIGINS).`,
            [{ field: 'Origin', problem: 'is not an allowed origin' }],
          ),
        );
        return;
      }
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    response.vary('Origin');
    if (request.method === 'OPTIONS') {
      response.setHeader('Access-Control-Allow-Methods', 'POST');
      response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      response.setHeader('Access-Control-Max-Age', '600');
      response.status(204).end();
      return;
    }
    next();
  }
}

/**
 * A browser cannot add an Authorization header to the Web UI's codec requests, but it sends the session
 * cookie (see CodecController.signIn). Its token is handed to the one auth guard as if it had come in
 * the header, so a cookie is held to exactly the same checks; a header, when sent, wins.
 */
@Injectable()
export class CodecSessionCookieMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    if (request.headers.authorization === undefined) {
      const token = cookieValue(request.headers.cookie, CODEC_SESSION_COOKIE);
      if (token) request.headers.authorization = `Bearer ${token}`;
    }
    next();
  }
}

/** A sign-in form's body is small: one token. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Signing in (POST /codec/session) takes the token from a plain HTML form or a JSON body, and the one
 * auth guard checks it: it is moved into the Authorization header before the guard runs. Form bodies
 * are parsed here, for this route only; the rest of the API takes JSON alone.
 */
@Injectable()
export class CodecSessionFormMiddleware implements NestMiddleware {
  async use(request: Request, _response: Response, next: NextFunction): Promise<void> {
    try {
      if (request.is('application/x-www-form-urlencoded')) {
        request.body = Object.fromEntries(new URLSearchParams(await readBody(request, MAX_FORM_BYTES)));
      }
      const token: unknown = (request.body as Record<string, unknown> | undefined)?.['token'];
      if (typeof token !== 'string' || token.trim() === '') {
        next(new UnauthorizedError('Signing in needs an access token in the field "token" (of the form, or of a JSON body).', [{ field: 'token', problem: 'is missing' }]));
        return;
      }
      request.headers.authorization = `Bearer ${token.trim()}`;
      next();
    } catch (error) {
      next(error);
    }
  }
}

async function readBody(request: Request, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ValidationError(`The form is larger than ${limit / 1024} KiB; it should carry one access token.`, [{ field: 'token', problem: 'is too long' }]);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4: `name=value` pairs joined by "; "). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim() || undefined;
  }
  return undefined;
}
