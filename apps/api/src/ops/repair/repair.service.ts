import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';
import { actorOf } from '../../common/actor.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ConflictError, InvalidTransitionError, NotFoundError, ValidationError } from '../../common/domain-errors.js';
import { RepairGateway } from './repair.gateway.js';
import type { RebuildReadModelDto, RebuildResultDto, ResetResultDto, ResetToStepDto, RetriedActivityDto, RetryActivityDto, RetryResultDto } from './repair.dto.js';
import { REBUILD_ACTION, RESET_ACTION } from '../../../../../activities/procurement-projections.js';
import { RepairRepository } from './repair.repository.js';

export const RETRY_ACTION = 'ops.activity-retried';

/**
 * Repairs ops staff make to one process. Each one is audited (who, what, the reason, the process) in the
 * same transaction that commits it, and a repeated requestId answers with the first outcome.
 */
@Injectable()
export class RepairService {
  constructor(
    private readonly gateway: RepairGateway,
    private readonly repository: RepairRepository,
    private readonly workflows: ProcurementWorkflowsGateway,
  ) {}

  /**
   * Has the workflow rewrite its read model from its state (tasks, steps, status and current step) and
   * audit it (`ops.read-model-rebuilt`, in the same transaction, by the workflow's projection activity).
   * 404 when the caller may not see the process; 409 once its workflow has ended, for an ended workflow
   * takes no updates and its read model was written by its last projection (or, for a terminated one,
   * by the API). The workflow refuses what its validator refuses (403, 422 naming the field) and answers
   * a repeated requestId with its first answer.
   */
  async rebuild(user: Identity, workflowId: string, body: RebuildReadModelDto): Promise<RebuildResultDto> {
    const target = await this.gateway.target(workflowId);
    const owner = await this.repository.ownerOf(workflowId);
    const jurisdiction = owner?.jurisdiction ?? target?.memoJurisdiction;
    if (!target || !jurisdictionAllows(user.jurisdiction, jurisdiction ?? NATIONAL_JURISDICTION)) {
      throw new NotFoundError(`No process ${workflowId}, or it belongs to another jurisdiction.`);
    }
    if (!target.running) {
      throw new InvalidTransitionError(`${workflowId} has ended (${target.status.toLowerCase()}): an ended workflow takes no more requests, so its read model cannot be rebuilt from it.`);
    }
    const requestId = body.requestId ?? randomUUID();
    const answer = await this.workflows.rebuildReadModel(workflowId, { requestId, actor: actorOf(user), reason: body.reason });
    return { workflowId, requestId, status: answer.status, stepId: answer.stepId, openTasks: answer.openTasks.map((task) => task.id).sort() };
  }

  /**
   * Resets a running cycle to the start of a step its definition marks `resettable` (Temporal's
   * ResetWorkflowExecution, to just after the workflow task that entered the step), then has the reset run
   * rebuild the read model, so rows of the undone part are gone, and audit `ops.process-reset` in that
   * transaction. 422 naming `step` when the step is not resettable or this run never entered it; 409 when a
   * payment, a started contract, a bid or a published notice lies after the entry (money is never paid twice,
   * notices are public record), or the workflow has ended. Audit entries of the undone part stay.
   */
  async reset(user: Identity, workflowId: string, body: ResetToStepDto): Promise<ResetResultDto> {
    const requestId = body.requestId ?? randomUUID();
    const earlier = await this.repository.recorded(`${RESET_ACTION}:${workflowId}:${requestId}`);
    if (earlier) {
      const details = earlier.details as { reset?: { step?: string }; status?: string; stepId?: string | null; openTasks?: string[] };
      return { workflowId, requestId, step: details.reset?.step ?? body.step, resetNow: false, status: details.status ?? '', stepId: details.stepId ?? null, openTasks: details.openTasks ?? [] };
    }
    // The reset run answers with a rebuild under this request id: one a rebuild already used would be refused
    // only after Temporal had reset the cycle.
    if (await this.repository.recorded(`${REBUILD_ACTION}:${workflowId}:${requestId}`)) {
      throw new ConflictError(`requestId "${requestId}" was used for a rebuild of ${workflowId}; use a new requestId for the reset.`, [{ field: 'requestId', problem: 'used for another request' }]);
    }
    const target = await this.gateway.target(workflowId);
    const owner = await this.repository.ownerOf(workflowId);
    const jurisdiction = owner?.jurisdiction ?? target?.memoJurisdiction;
    if (!target || !jurisdictionAllows(user.jurisdiction, jurisdiction ?? NATIONAL_JURISDICTION)) {
      throw new NotFoundError(`No process ${workflowId}, or it belongs to another jurisdiction.`);
    }
    if (!target.running) throw new InvalidTransitionError(`${workflowId} has ended (${target.status.toLowerCase()}): an ended workflow cannot be reset.`);
    const facts = await this.repository.resetFacts(workflowId, body.step);
    if (!facts) throw new ValidationError(`${workflowId} is not a cycle: only a cycle can be reset to the start of a step.`, [{ field: 'workflowId', problem: 'not a cycle' }]);
    const declared = facts.steps.find((candidate) => candidate.id === body.step);
    if (!declared) throw new ValidationError(`The cycle’s definition has no step "${body.step}".`, [{ field: 'step', problem: 'no such step in the definition' }]);
    if (!declared.resettable) throw new ValidationError(`Step "${body.step}" is not resettable: its definition does not say \`resettable: true\`.`, [{ field: 'step', problem: 'not resettable' }]);
    if (!facts.entry) throw new ValidationError(`The cycle has not entered step "${body.step}" in this run.`, [{ field: 'step', problem: 'never entered' }]);
    if (facts.contracts > 0 || facts.payments > 0 || facts.status !== 'running') {
      throw new InvalidTransitionError(`${workflowId} has awarded contracts: a reset past a started contract or a payment is refused, for money is never paid twice.`);
    }
    if (facts.bidsSinceEntry > 0) throw new InvalidTransitionError(`Vendors have bid since step "${body.step}" began: a reset would discard their bids, so it is refused.`);
    const point = await this.gateway.resetPoint(workflowId, facts.entry.enteredSeq, facts.entry.enteredAt);
    if (!point) throw new ValidationError(`The cycle has not entered step "${body.step}" in this run (its history does not hold the entry).`, [{ field: 'step', problem: 'never entered in this run' }]);
    if (point.eventId === undefined) throw new InvalidTransitionError(`Nothing has happened in ${workflowId} since step "${body.step}" began: there is nothing to reset.`);
    if ((await this.repository.noticesAfter(workflowId, point.lastKeptSeq)) > 0) {
      throw new InvalidTransitionError(`A notice was published after step "${body.step}" began: published notices are public record, so the reset is refused.`);
    }
    // Temporal keeps its reset reason unencrypted in the history: it names the step and the request, and the
    // ops staff's own words go only to the audit trail.
    await this.gateway.reset(workflowId, point.runId, point.eventId, `ops reset to the start of ${body.step} (request ${requestId})`, requestId);
    const answer = await this.workflows.rebuildReadModel(workflowId, {
      requestId,
      actor: actorOf(user),
      reason: body.reason,
      reset: { step: body.step, fromRunId: point.runId, seqFloor: facts.lastSeq + 1 },
    });
    return { workflowId, requestId, step: body.step, resetNow: true, status: answer.status, stepId: answer.stepId, openTasks: answer.openTasks.map((task) => task.id).sort() };
  }

  /**
   * Runs the workflow's failing activities again now instead of after their backoff. 404 when the caller
   * may not see the process, 409 when it has ended or nothing in it is failing.
   */
  async retry(user: Identity, workflowId: string, body: RetryActivityDto): Promise<RetryResultDto> {
    const idempotencyKey = `${RETRY_ACTION}:${body.requestId}`;
    const earlier = await this.repository.recorded(idempotencyKey);
    if (earlier) return this.repeated(earlier, workflowId, body.requestId);

    const target = await this.gateway.target(workflowId);
    const owner = await this.repository.ownerOf(workflowId);
    const jurisdiction = owner?.jurisdiction ?? target?.memoJurisdiction;
    // A process of another jurisdiction is answered as one that does not exist, as reads are.
    if (!target || !jurisdictionAllows(user.jurisdiction, jurisdiction ?? NATIONAL_JURISDICTION)) {
      throw new NotFoundError(`No process ${workflowId}, or it belongs to another jurisdiction.`);
    }
    if (!target.running) throw new InvalidTransitionError(`${workflowId} has ended (${target.status.toLowerCase()}): there is nothing to retry.`);
    if (target.failing.length === 0) throw new InvalidTransitionError(`Nothing in ${workflowId} is failing: every activity runs on its first attempt or none is pending.`);

    const activities: RetriedActivityDto[] = target.failing.map((activity) => ({ ...activity }));
    await this.repository.transaction(async (repair) => {
      // Temporal first, the audit entry after: the entry commits only when Temporal took every retry, and
      // the audit trail's chain lock (taken by the append) is not held across a call to Temporal.
      for (const activity of activities) await this.gateway.retryNow(workflowId, activity.activityId, `${user.userId} (${OPS_ROLE})`);
      await repair.appendAudit({
        idempotencyKey,
        occurredAt: new Date().toISOString(),
        actorId: user.userId,
        actorRole: OPS_ROLE,
        jurisdiction: jurisdiction ?? NATIONAL_JURISDICTION,
        action: RETRY_ACTION,
        subjectType: 'workflow',
        subjectId: workflowId,
        comment: body.reason,
        // `cycleId` puts the entry in the cycle's own audit chain, where its trail is read and verified.
        details: { activities, cycleId: owner?.cycleId ?? workflowId, actorName: user.name, actorJurisdiction: user.jurisdiction },
      });
    });
    return { workflowId, requestId: body.requestId, retriedNow: true, activities };
  }

  private repeated(earlier: { subjectId: string; details: Record<string, unknown> }, workflowId: string, requestId: string): RetryResultDto {
    if (earlier.subjectId !== workflowId) {
      throw new ConflictError(`requestId "${requestId}" was used for a retry of ${earlier.subjectId}; use a new requestId for ${workflowId}.`, [
        { field: 'requestId', problem: 'used for another request' },
      ]);
    }
    const activities = Array.isArray(earlier.details['activities']) ? (earlier.details['activities'] as RetriedActivityDto[]) : [];
    return { workflowId, requestId, retriedNow: false, activities };
  }
}
