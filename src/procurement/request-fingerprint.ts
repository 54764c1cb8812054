import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';

/**
 * A request id names one request. Its fingerprint is a digest of everything the request asks (the kind
 * of message, who sends it, what it targets and its content, the request id itself included), so the
 * workflow can tell a repeat of a request (same fingerprint: the first answer again) from another
 * request that reuses its id (another fingerprint: refused).
 *
 * Guarantees: equal for requests equal as JSON whatever the order of their keys; different (up to
 * sha256 collisions) otherwise.
 */
export function requestFingerprint(kind: string, request: object): string {
  return createHash('sha256').update(kind).update('\n').update(canonicalJson(request)).digest('hex');
}

/**
 * The Temporal update id of a request: Temporal answers a repeated update id with the first outcome
 * without asking the workflow, so the id carries the fingerprint too — a reused request id with other
 * content reaches the workflow's validator, which refuses it.
 */
export function updateIdOf(requestId: string, fingerprint: string): string {
  return `${requestId}#${fingerprint.slice(0, 24)}`;
}
