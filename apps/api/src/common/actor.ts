import type { Identity } from '../../../../src/identity/identity.js';
import type { Actor } from '../../../../workflows/engine/types.js';

/** The engine's view of the signed-in user who acts: who, in which roles, for which jurisdiction and vendor. */
export function actorOf(user: Identity): Actor {
  return { userId: user.userId, name: user.name, roles: [...user.roles], jurisdiction: user.jurisdiction, ...(user.vendorId === undefined ? {} : { vendorId: user.vendorId }) };
}
