import { type AuditActivityDependencies, createAuditActivities } from './audit.js';
import { type CaseEvidenceDependencies, createCaseEvidenceActivities } from './case-evidence.js';
import { type CaseProjectionDependencies, createCaseProjectionActivities } from './case-projections.js';
import { createProcurementProjectionActivities, type ProcurementProjectionDependencies } from './procurement-projections.js';
import { createTreasuryActivities, type TreasuryActivityDependencies } from './treasury.js';

/** Everything the activities of procureflow need from the outside world: the database and where treasury exports go. */
export type ActivityDependencies = AuditActivityDependencies & CaseEvidenceDependencies & CaseProjectionDependencies & ProcurementProjectionDependencies & TreasuryActivityDependencies;

/**
 * All activities, built from their factories with their dependencies injected.
 * Workflows refer to them as `ReturnType<typeof createActivities>`, by type only.
 */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createAuditActivities(deps),
    ...createCaseEvidenceActivities(deps),
    ...createCaseProjectionActivities(deps),
    ...createProcurementProjectionActivities(deps),
    ...createTreasuryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
