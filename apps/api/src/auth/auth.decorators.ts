import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Identity } from '../../../../src/identity/identity.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import type { AuthenticatedRequest } from './authenticated-request.js';

export const IS_PUBLIC = Symbol('isPublic');
export const REQUIRED_ROLES = Symbol('requiredRoles');

/** Lets a route (or every route of a controller) answer without an access token: health, readiness. */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);

/** Documents, on a controller or route, that it needs an access token and answers 401 without one. */
export const ApiAuthenticated = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No access token, or one that is expired, malformed or signed with another secret.' }),
  );

/** The caller must hold at least one of `roles`; otherwise the request is refused with 403. */
export const RequireRoles = (...roles: [string, ...string[]]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: `The caller holds none of the roles: ${roles.join(', ')}.` }),
  );

/** The verified identity of the caller, as the guard put it on the request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Identity => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  // Only reachable by a programming error: @CurrentUser() on a @Public() route.
  if (!user) throw new Error('@CurrentUser() is used on a route without authentication');
  return user;
});
