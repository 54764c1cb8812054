import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a request's Authorization header carries the scrape token. Digests are compared, so neither the
 * length nor the content of the secret leaks through timing. No token configured: every scrape passes.
 */
export function scrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
