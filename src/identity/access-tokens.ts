import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { MIN_JWT_SECRET_LENGTH } from '../config/config.js';
import { IDENTIFIER_PATTERN, type Identity, VENDOR_ROLE } from './identity.js';

/**
 * Access tokens: HS256 JSON Web Tokens issued by `procureflow` and carrying an {@link Identity}.
 * The API verifies them; `procureflow dev token` signs them with the same secret.
 */
export const TOKEN_ISSUER = 'procureflow';
/** Whom the tokens are for: a token minted for another service with the same secret is refused. */
export const TOKEN_AUDIENCE = 'procureflow-api';
const ALGORITHM = 'HS256';

/**
 * The longest life the API accepts, counted from a token's `iat` to its `exp`, whatever the signer
 * asked for: a leaked token is useful for a working day at most.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** Vendor registry ids are UUIDs. */
const VENDOR_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a token was refused; the message is safe to show the caller and says what to do. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const identifier = (what: string) => z.string().regex(IDENTIFIER_PATTERN, `${what} must be lower-case words joined by hyphens, e.g. "zj-deqing"`);

/** The claims procureflow puts in a token, besides iss, iat and exp, which jose checks. */
const IdentityClaims = z
  .object({
    sub: z.string().min(1, 'sub (the user id) must not be empty').max(200, 'sub (the user id) must be at most 200 characters'),
    name: z.string().min(1, 'name must not be empty').max(200, 'name must be at most 200 characters'),
    roles: z.array(identifier('each role')).max(20, 'a token carries at most 20 roles'),
    jurisdiction: identifier('jurisdiction'),
    vendor: z.string().regex(VENDOR_ID_PATTERN, 'vendor must be the registry id (a UUID) of the organisation the user works for').optional(),
  })
  // Staff of an undertaking organisation act for it alone: the vendor role always names the
  // organisation, and a token naming one holds no government role besides.
  .refine((claims) => !claims.roles.includes(VENDOR_ROLE) || claims.vendor !== undefined, {
    message: `a token with the role "${VENDOR_ROLE}" must name the user's organisation in the "vendor" claim`,
  })
  .refine((claims) => claims.vendor === undefined || (claims.roles.length === 1 && claims.roles[0] === VENDOR_ROLE), {
    message: `a token naming a vendor organisation holds the role "${VENDOR_ROLE}" and no other`,
  });

export interface SignOptions {
  /** Lifetime in seconds from `now`. */
  readonly expiresInSeconds: number;
  /** Issue time; tests pass a past one to make expired tokens. */
  readonly now?: Date;
}

/**
 * Signs an access token for `identity`.
 * Guarantees: the token carries sub, name, roles, jurisdiction, iss, iat and exp, and `verifyAccessToken`
 * with the same secret returns an identity equal to `identity` until it expires. Throws on an identity
 * that would not verify (empty id or name, malformed role or jurisdiction) or a short secret.
 */
export async function signAccessToken(identity: Identity, secret: string, options: SignOptions): Promise<{ token: string; expiresAt: Date }> {
  const claims = IdentityClaims.safeParse({
    sub: identity.userId,
    name: identity.name,
    roles: identity.roles,
    jurisdiction: identity.jurisdiction,
    ...(identity.vendorId === undefined ? {} : { vendor: identity.vendorId }),
  });
  if (!claims.success) throw new InvalidTokenError(`cannot sign a token: ${claims.error.issues.map((issue) => issue.message).join('; ')}`);
  if (!Number.isInteger(options.expiresInSeconds) || options.expiresInSeconds < 1 || options.expiresInSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new InvalidTokenError(`cannot sign a token: its lifetime must be a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_SECONDS} (12 hours)`);
  }
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresAt = issuedAt + options.expiresInSeconds;
  const { sub, ...rest } = claims.data;
  const token = await new SignJWT(rest)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(secretKey(secret));
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Verifies an access token and returns who it names.
 * Guarantees: resolves only for an HS256 token signed with `secret`, issued by procureflow for its API,
 * issued no later than now, not expired, living at most MAX_TOKEN_LIFETIME_SECONDS, and carrying every
 * identity claim well-formed; otherwise rejects with an `InvalidTokenError` saying why.
 */
export async function verifyAccessToken(token: string, secret: string): Promise<Identity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      // `maxTokenAge` makes jose require `iat`, refuse one in the future and refuse tokens older than the cap.
      maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      requiredClaims: ['exp', 'sub', 'iat'],
    }));
  } catch (error) {
    throw new InvalidTokenError(describeJoseError(error));
  }
  if (typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp - payload.iat > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new InvalidTokenError(`the access token would live longer than this API allows (${MAX_TOKEN_LIFETIME_SECONDS / 3600} hours): get one that expires sooner`);
  }
  const claims = IdentityClaims.safeParse(payload);
  if (!claims.success) {
    const problems = claims.error.issues.map((issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? `it has no "${issue.path.join('.')}" claim` : issue.message,
    );
    throw new InvalidTokenError(`the access token is incomplete: ${problems.join('; ')}`);
  }
  const { sub, name, roles, jurisdiction, vendor } = claims.data;
  return { userId: sub, name, roles, jurisdiction, ...(vendor === undefined ? {} : { vendorId: vendor }) };
}

function secretKey(secret: string): Uint8Array {
  if (secret.length < MIN_JWT_SECRET_LENGTH) throw new InvalidTokenError(`the token secret must be at least ${MIN_JWT_SECRET_LENGTH} characters long`);
  return new TextEncoder().encode(secret);
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired: get a new one';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the access token was not signed by this procureflow (wrong secret or altered token)';
  if (error instanceof errors.JOSEAlgNotAllowed) return `the access token must be signed with ${ALGORITHM}`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the access token is incomplete: it has no "${error.claim}" claim`;
    if (error.claim === 'iss') return `the access token was not issued by ${TOKEN_ISSUER}`;
    if (error.claim === 'aud') return `the access token is not meant for this API (its audience must be "${TOKEN_AUDIENCE}")`;
    if (error.claim === 'iat') return `the access token's issue time is in the future or older than this API allows (${MAX_TOKEN_LIFETIME_SECONDS / 3600} hours): get a new one`;
    return `the access token's "${error.claim}" claim is not valid: ${error.message}`;
  }
  if (error instanceof errors.JOSEError) return 'the access token is malformed: expected a JSON Web Token';
  throw error;
}

/**
 * Parses a lifetime such as `90s`, `15m` or `8h` into seconds (at most the 12 hours the API accepts).
 * Throws an Error whose message says what is accepted.
 */
export function parseTokenLifetime(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
  const seconds = match?.[1] && match[2] ? Number(match[1]) * unit[match[2] as keyof typeof unit] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new Error(`"${text}" is not a token lifetime: write a number and a unit (s, m or h), e.g. 8h, at most 12h`);
  }
  return seconds;
}
