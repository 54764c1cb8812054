/**
 * Who is calling: the claims of a verified access token. The API and the CLI share this shape;
 * nothing else about a person (password, session) is procureflow's business.
 */
export interface Identity {
  /** Stable user id (the token's `sub`). */
  readonly userId: string;
  /** Display name, for audit entries and task lists. */
  readonly name: string;
  /** Role ids, e.g. `administrator`, `finance-bureau`; a procedure's tasks name the roles that may act. */
  readonly roles: readonly string[];
  /** Jurisdiction code, e.g. `zj-deqing`; `cn` is the national level. */
  readonly jurisdiction: string;
  /**
   * For staff of an undertaking organisation (role `vendor`): the registry id of the organisation they
   * work for. Such a user bids, signs, reports and reads only for that organisation.
   */
  readonly vendorId?: string;
}

/** The national jurisdiction: its users see every jurisdiction, and its definitions are seen by all. */
export const NATIONAL_JURISDICTION = 'cn';

/** The role that deploys definitions and manages the registry. */
export const ADMINISTRATOR_ROLE = 'administrator';

/** Operations staff: they find late and stuck processes and repair them, and so read workflow histories. */
export const OPS_ROLE = 'ops';

/** The role of an undertaking organisation's staff; a token with it names the organisation (`vendorId`). */
export const VENDOR_ROLE = 'vendor';

/** Role ids and jurisdiction codes: lower-case words joined by hyphens, as in definitions. */
export const IDENTIFIER_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Whether a caller of `callerJurisdiction` may see and act on something that belongs to
 * `subjectJurisdiction` (null: belongs to no jurisdiction). National callers reach everything;
 * national and jurisdiction-less things are reachable by everyone; otherwise the codes must match.
 */
export function jurisdictionAllows(callerJurisdiction: string, subjectJurisdiction: string | null): boolean {
  return (
    callerJurisdiction === NATIONAL_JURISDICTION ||
    subjectJurisdiction === null ||
    subjectJurisdiction === NATIONAL_JURISDICTION ||
    subjectJurisdiction === callerJurisdiction
  );
}
