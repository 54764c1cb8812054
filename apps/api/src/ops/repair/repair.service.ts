import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';
import { actorOf } from '../../common/actor.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../common/domain-errors.js';
import { RepairGateway } from './repair.gateway.js';
import type { RebuildReadModelDto, RebuildResultDto, RetriedActivityDto, RetryActivityDto, RetryResultDto } from './repair.dto.js';
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
