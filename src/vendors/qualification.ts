import type { ProcedureDefinition } from '../definitions/procedure/procedure.schema.js';
import { NATIONAL_JURISDICTION, VENDOR_ROLE } from '../identity/identity.js';
import type { QualificationEvidence } from './vendor.js';

/**
 * What a procedure asks of a vendor before it may bid, be awarded or sign: every criterion its
 * vendor-selection step lists (`selection.qualification.criteria`), each verified by a holder of the role
 * it names (`selection.qualification.verifiedBy`).
 */
export interface QualificationRequirement {
  readonly stepId: string;
  readonly verifiedBy: string;
  readonly criteria: ReadonlyArray<{ readonly id: string; readonly title: { readonly zh: string; readonly en: string } }>;
}

export type UnmetReason = 'missing' | 'unverified' | 'rejected' | 'expired';

/** One criterion a vendor does not meet, and why, in words a registrar can act on. */
export interface UnmetCriterion {
  readonly criterionId: string;
  readonly reason: UnmetReason;
  readonly problem: string;
}

/** China has one time zone, UTC+8, without daylight saving: the calendar day of `at` there. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The qualification requirements of `definition`: that of the vendor-selection step `stepId` when it is
 * one, otherwise those of every vendor-selection step (a contract's vendor must still meet what it was
 * selected under). Guarantees one entry per vendor-selection step, in the definition's order.
 */
export function qualificationRequirements(definition: ProcedureDefinition, stepId?: string): QualificationRequirement[] {
  const all = definition.steps.flatMap((step) =>
    step.kind === 'vendorSelection'
      ? [{ stepId: step.id, verifiedBy: step.selection.qualification.verifiedBy, criteria: step.selection.qualification.criteria.map((c) => ({ id: c.id, title: c.title })) }]
      : [],
  );
  const named = all.filter((requirement) => requirement.stepId === stepId);
  return named.length > 0 ? named : all;
}

/**
 * The criteria of `requirement` that `evidence` does not meet for a cycle of `jurisdiction` on the day of
 * `at`: a criterion counts only when its evidence is on file, verified by the requirement's role for that
 * jurisdiction (or nationally), not rejected since, and valid on that day (China time; `validUntil` is its
 * last valid day). Empty when the vendor is qualified. Pure: the same arguments give the same answer.
 */
export function unmetCriteria(evidence: readonly QualificationEvidence[], requirement: QualificationRequirement, jurisdiction: string, at: Date): UnmetCriterion[] {
  const today = chinaDate(at);
  const unmet: UnmetCriterion[] = [];
  for (const criterion of requirement.criteria) {
    const name = `"${criterion.id}" (${criterion.title.zh})`;
    const item = evidence.find((candidate) => candidate.criterionId === criterion.id);
    if (!item) {
      unmet.push({ criterionId: criterion.id, reason: 'missing', problem: `criterion ${name} has no evidence on file` });
      continue;
    }
    if (item.rejection) {
      unmet.push({ criterionId: criterion.id, reason: 'rejected', problem: `criterion ${name} was rejected by ${item.rejection.by} (${item.rejection.role}): ${item.rejection.comment}` });
      continue;
    }
    const verified = (item.verifications ?? []).some(
      (v) => v.role === requirement.verifiedBy && (v.jurisdiction === jurisdiction || v.jurisdiction === NATIONAL_JURISDICTION),
    );
    if (!verified) {
      unmet.push({ criterionId: criterion.id, reason: 'unverified', problem: `criterion ${name} is not verified by ${requirement.verifiedBy} of ${jurisdiction}` });
      continue;
    }
    if (item.validUntil !== undefined && item.validUntil < today) {
      unmet.push({ criterionId: criterion.id, reason: 'expired', problem: `criterion ${name}: its evidence expired after ${item.validUntil}` });
    }
  }
  return unmet;
}

/**
 * Whether deciding the task signs the contract: a task of a `contractFiling` step that the vendor decides
 * (role `vendor`), or a task of the same parallel sign-off as one the vendor decides (the purchaser's
 * signature concludes the contract as much as the vendor's). A positive decision of such a task needs the
 * vendor eligible; `return`/`reject` never does.
 */
export function isSigningTask(definition: ProcedureDefinition, task: { stepId: string; nodeId: string; parallelId: string | null }): boolean {
  const step = definition.steps.find((candidate) => candidate.id === task.stepId);
  if (!step || step.kind !== 'contractFiling') return false;
  for (const node of step.flow.nodes) {
    if (node.type === 'parallel') {
      const signsHere = node.tasks.some((member) => member.role === VENDOR_ROLE);
      if (signsHere && (task.parallelId === node.id || node.tasks.some((member) => member.id === task.nodeId))) return true;
    } else if (node.type === 'task' && node.id === task.nodeId && node.role === VENDOR_ROLE) return true;
  }
  return false;
}
