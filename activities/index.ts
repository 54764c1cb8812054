import { type AuditActivityDependencies, createAuditActivities } from './audit.js';

/** Everything the activities of procureflow need from the outside world. */
export type ActivityDependencies = AuditActivityDependencies;

/**
 * All activities, built from their factories with their dependencies injected.
 * Workflows refer to them as `ReturnType<typeof createActivities>`, by type only.
 */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createAuditActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
