import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { InvalidTokenError, verifyAccessToken } from '../../../../src/identity/access-tokens.js';
import { ForbiddenError, UnauthorizedError } from '../common/domain-errors.js';
import { ACCESS_TOKEN_SECRET } from '../common/injection-tokens.js';
import { IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators.js';
import type { AuthenticatedRequest } from './authenticated-request.js';

/**
 * Runs before every route: a route is public only when marked @Public(); every other one needs a valid
 * `Authorization: Bearer <token>` (else 401) and, when marked @RequireRoles(...), one of those roles
 * (else 403). The verified identity is put on the request for @CurrentUser().
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_TOKEN_SECRET) private readonly secret: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets)) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const token = this.bearerToken(request, http.getResponse<Response>());
    let user;
    try {
      user = await verifyAccessToken(token, this.secret);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      this.challenge(http.getResponse<Response>(), 'invalid_token');
      throw new UnauthorizedError(`${capitalise(error.message)}.`);
    }
    request.user = user;

    const required = this.reflector.getAllAndOverride<readonly string[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    if (required.length > 0 && !required.some((role) => user.roles.includes(role))) {
      throw new ForbiddenError(
        `Only a user with the role ${required.map((r) => `"${r}"`).join(' or ')} may do this; ${user.userId} has ${
          user.roles.length === 0 ? 'no roles' : `the roles ${user.roles.map((r) => `"${r}"`).join(', ')}`
        }.`,
      );
    }
    return true;
  }

  private bearerToken(request: AuthenticatedRequest, response: Response): string {
    const header = request.headers.authorization;
    if (!header) {
      this.challenge(response);
      throw new UnauthorizedError('This request needs an access token: send the header "Authorization: Bearer <token>".');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      this.challenge(response, 'invalid_request');
      throw new UnauthorizedError('The Authorization header must read "Bearer <token>".');
    }
    return match[1];
  }

  /** RFC 6750 §3: a 401 tells the client which scheme to use and, when a token was sent, what was wrong with it. */
  private challenge(response: Response, error?: 'invalid_request' | 'invalid_token'): void {
    response.setHeader('WWW-Authenticate', `Bearer realm="procureflow"${error ? `, error="${error}"` : ''}`);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
