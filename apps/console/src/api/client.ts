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

const tokenRefusedListeners = new Set<() => void>();

/**
 * Calls `listener` whenever the API refuses the token a request carried (401: it expired, or its secret
 * changed); returns the unsubscribe function. The session ends there, rather than every page showing
 * the refusal with a retry that cannot help.
 */
export function onTokenRefused(listener: () => void): () => void {
  tokenRefusedListeners.add(listener);
  return () => tokenRefusedListeners.delete(listener);
}

/** Every call carries the signed-in user's token and a fresh correlation id the API logs and echoes. */
const authentication: Middleware = {
  onRequest({ request }) {
    const token = storedToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    if (!request.headers.has('X-Request-Id')) request.headers.set('X-Request-Id', crypto.randomUUID());
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) for (const listener of tokenRefusedListeners) listener();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(authentication);
