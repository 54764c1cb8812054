/**
 * Who acts on a supervision case in which role: the case workflow's rule, which it enforces, and the
 * console's, which offers only what the workflow would accept. Both import this one module so the two
 * cannot drift apart. It is pure and imports nothing (workflow code is bundled for Temporal's sandbox, and
 * the console is bundled for the browser), and takes the lifecycle's words structurally, since the workflow
 * holds the compiled definition and the console its own outline of it.
 */

/** A role a lifecycle declares: vendor staff roles are held by the serving organisation's staff. */
export interface CaseRoleDeclaration {
  readonly id: string;
  readonly vendorStaff?: boolean;
}

/**
 * The case roles an actor acts in: their own roles, and for vendor staff every role the lifecycle marks as
 * vendor staff.
 */
export function caseRolesHeld(declared: readonly CaseRoleDeclaration[], actorRoles: readonly string[], vendorStaff: boolean): string[] {
  const staff = vendorStaff ? declared.filter((role) => role.vendorStaff === true).map((role) => role.id) : [];
  return [...new Set([...actorRoles, ...staff])];
}

export interface EventRecorder {
  /** The roles that may record the event: its `recordedBy`, or when it names none, every role but vendor staff. */
  readonly allowed: string[];
  /** The role the actor records it in: the first role they hold that may. */
  readonly role: string | undefined;
  /** Whether the actor may record it; a lifecycle that declares no roles lets anyone. */
  readonly permitted: boolean;
}

/**
 * Who records an event of a lifecycle. An event without `recordedBy` (such as the built-in
 * `attributes.updated`) is recorded by every role except vendor staff: the office keeps the case, the
 * serving organisation brings the evidence it declares.
 */
export function eventRecorder(declared: readonly CaseRoleDeclaration[], recordedBy: readonly string[] | undefined, held: readonly string[]): EventRecorder {
  const allowed = recordedBy ? [...recordedBy] : declared.filter((role) => role.vendorStaff !== true).map((role) => role.id);
  const role = held.find((candidate) => allowed.includes(candidate));
  return { allowed, role, permitted: declared.length === 0 || role !== undefined };
}

/**
 * Whether acting in `role` binds the actor to the case's serving organisation: vendor staff act only on
 * the cases their own organisation serves, and a vendor staff role is only ever acted in for that organisation.
 */
export function actsForVendor(declared: readonly CaseRoleDeclaration[], role: string | undefined, actorIsVendorStaff: boolean): boolean {
  return actorIsVendorStaff || declared.find((candidate) => candidate.id === role)?.vendorStaff === true;
}

/** Whether an actor bound to the serving organisation (see actsForVendor) may act on a case served by `caseVendorId`. */
export const servesCase = (caseVendorId: string | null | undefined, actorVendorId: string | null | undefined): boolean =>
  caseVendorId !== undefined && caseVendorId !== null && actorVendorId === caseVendorId;
