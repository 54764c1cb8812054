import type { Request } from 'express';
import type { Identity } from '../../../../src/identity/identity.js';

/** An HTTP request after the auth guard: `user` is set on every route that is not @Public(). */
export interface AuthenticatedRequest extends Request {
  user?: Identity;
}
