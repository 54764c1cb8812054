import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

/**
 * The typed API client. `schema.d.ts` is generated from the repository's openapi.json by
 * `npm run console:api` (typecheck and build run it), so an API change that breaks the console fails
 * the build rather than a user's page.
 */
export type ApiPaths = paths;

const TOKEN_KEY = 'procureflow.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Every call carries the signed-in user's token and a fresh correlation id the API logs and echoes. */
const authentication: Middleware = {
  onRequest({ request }) {
    const token = storedToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    if (!request.headers.has('X-Request-Id')) request.headers.set('X-Request-Id', crypto.randomUUID());
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(authentication);
