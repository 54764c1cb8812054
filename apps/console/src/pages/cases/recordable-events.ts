import { actsForVendor, type CaseRoleDeclaration, caseRolesHeld, eventRecorder, servesCase } from '../../../../../src/definitions/supervision/case-roles.js';

// Structural, not the console's LifecycleOutline: the unit tests of this rule import it without the form renderer.
interface Roles {
  readonly roles: readonly CaseRoleDeclaration[];
}
interface RecordableEvent {
  readonly id: string;
  readonly recordedBy: readonly string[] | undefined;
}

/** Who is signed in, as far as acting on a case goes. */
export interface CaseActor {
  readonly roles: readonly string[];
  /** The organisation a vendor staff member works for; none for officers. */
  readonly vendorId?: string | null | undefined;
}

const isVendorStaff = (actor: CaseActor): boolean => actor.vendorId !== undefined && actor.vendorId !== null;

/** The case roles the actor acts in (the workflow's rule: src/definitions/supervision/case-roles.ts). */
export const caseRolesOf = (lifecycle: Roles, actor: CaseActor): Set<string> =>
  new Set(caseRolesHeld(lifecycle.roles, actor.roles, isVendorStaff(actor)));

/**
 * The events the console offers the actor on a case: those its current state accepts that the case
 * workflow would let them record — the same rule, imported from where the workflow imports it, so the
 * menu offers nothing the workflow refuses and hides nothing it accepts.
 */
export function recordableEvents<E extends RecordableEvent>(
  lifecycle: Roles & { readonly events: readonly E[] },
  actor: CaseActor,
  servedCase: { readonly vendorId: string | null; readonly acceptedEvents: readonly string[] },
): E[] {
  const held = caseRolesHeld(lifecycle.roles, actor.roles, isVendorStaff(actor));
  return lifecycle.events.filter((event) => {
    if (!servedCase.acceptedEvents.includes(event.id)) return false;
    const { role, permitted } = eventRecorder(lifecycle.roles, event.recordedBy, held);
    return permitted && (!actsForVendor(lifecycle.roles, role, isVendorStaff(actor)) || servesCase(servedCase.vendorId, actor.vendorId));
  });
}
