import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { CalendarDefinition } from '../../../../src/definitions/calendars/calendar.schema.js';
import { BusinessCalendar, CalendarYearMissingError } from '../../../../src/definitions/calendars/business-calendar.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { chinaDate } from '../../../../workflows/engine/deadlines.js';
import { decisionLatency } from '../../../../src/observability/metrics.js';
import type { TaskInstance, TaskPayload } from '../../../../workflows/engine/types.js';
import type { MessageResult } from '../../../../workflows/procurement/messages.js';
import { DomainError, type FieldProblem, NotFoundError, ValidationError } from '../common/domain-errors.js';
import { isSigningTask, type QualificationRequirement, qualificationRequirements } from '../../../../src/vendors/qualification.js';
import type { ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import { ConfidentialFields, visibleTask } from '../access/read-access.js';
import { actorOf } from '../common/actor.js';
import { DefinitionsRepository } from '../definitions/definitions.repository.js';
import { ProcurementWorkflowsGateway } from '../procurement/procurement-workflows.gateway.js';
import { VendorIneligibleError, VendorsService } from '../vendors/vendors.service.js';
import {
  type DecideTaskDto,
  type DecisionResultDto,
  type ListTasksQueryDto,
  type OpenTaskSummaryDto,
  type OutcomeValue,
  type TaskDto,
  type TaskFormDto,
  type TaskLinksDto,
  type TaskListDto,
  type TaskStatusValue,
} from './tasks.dto.js';
import { taskForm } from './task-form.js';
import { type TaskRecord, TasksRepository } from './tasks.repository.js';

const DEFAULT_PAGE = 100;

/**
 * The approvers' side of a cycle: the inbox of tasks a caller may decide, and decisions, which go to
 * the workflow owning the task (the cycle, or a contract) as `decideTaskUpdate`. The workflow is the
 * judge of every decision (role, four-eyes, still open, form); the API only finds the workflow, checks
 * the shape of the request and translates refusals. Nothing is written here.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly repository: TasksRepository,
    private readonly workflows: ProcurementWorkflowsGateway,
    private readonly definitions: DefinitionsRepository,
    private readonly vendors: VendorsService,
  ) {}

  /** Tasks of the caller's jurisdiction whose role (or escalation role) the caller holds; open ones unless asked otherwise. */
  async inbox(user: Identity, query: ListTasksQueryDto): Promise<TaskListDto> {
    const status = query.status ?? 'open';
    const records = await this.repository.inbox({
      jurisdiction: user.jurisdiction,
      roles: user.roles,
      ...(status === 'all' ? {} : { status }),
      ...(query.step ? { stepId: query.step } : {}),
      ...(query.dueBefore ? { dueBefore: new Date(query.dueBefore) } : {}),
      ...(query.cycleId ? { cycleId: query.cycleId } : {}),
      ...(user.vendorId !== undefined ? { vendorId: user.vendorId } : {}),
      limit: query.limit ?? DEFAULT_PAGE,
    });
    const tasks = await Promise.all(records.map((record) => this.shown(user, record)));
    return { tasks: await this.withWorkingDaysLate(tasks) };
  }

  async get(user: Identity, id: string): Promise<TaskDto> {
    const [task] = await this.withWorkingDaysLate([await this.shown(user, await this.visibleTask(user, id))]);
    return task as TaskDto;
  }

  /**
   * Overdue tasks with how many working days late they are today, counted on the calendars deployed
   * now (national and the task's jurisdiction's), as the ops overdue list counts them.
   */
  private async withWorkingDaysLate(tasks: TaskDto[]): Promise<TaskDto[]> {
    if (!tasks.some((task) => task.overdue)) return tasks;
    const deployed = await this.definitions.latestCompiledOfKind('Calendar');
    const today = chinaDate(new Date().toISOString());
    return tasks.map((task) => {
      const due = task.overdueDueAt ?? task.dueAt;
      if (!task.overdue || !due) return task;
      const applying = deployed
        .filter((calendar) => calendar.jurisdiction === null || calendar.jurisdiction === NATIONAL_JURISDICTION || calendar.jurisdiction === task.cycle.jurisdiction)
        .map((calendar) => calendar.compiled as unknown as CalendarDefinition);
      if (applying.length === 0) return task;
      try {
        return { ...task, overdueWorkingDays: Math.max(0, BusinessCalendar.fromDefinitions(applying).businessDaysBetween(chinaDate(due), today)) };
      } catch (error) {
        if (error instanceof CalendarYearMissingError) return task;
        throw error;
      }
    });
  }

  /** The task's form from the compiled definition of its cycle's version. */
  async form(user: Identity, id: string): Promise<TaskFormDto> {
    const { task, cycle } = await this.visibleTask(user, id);
    const form = taskForm(await this.definitionOf(cycle), task.stepId, task.nodeId, task.kind);
    if (!form) throw new Error(`task ${task.id} has no node "${task.nodeId}" in step "${task.stepId}" of ${cycle.definitionKey} v${cycle.definitionVersion}`);
    return form;
  }

  /** The task as the caller may see it: confidential fields of its decision withheld. */
  private async shown(user: Identity, record: TaskRecord): Promise<TaskDto> {
    const dto = toTaskDto(record);
    if (!dto.decision?.fields || Object.keys(dto.decision.fields).length === 0) return dto;
    const version = await this.definitions.findVersion(record.cycle.definitionKey, record.cycle.definitionVersion);
    return visibleTask(user, dto, ConfidentialFields.of(version?.compiled as ProcedureDefinition | undefined));
  }

  /**
   * Sends the decision to the task's workflow with the client's request id as the update id: a request
   * repeated with the same id (concurrently or later) has one effect, and every copy gets the first answer.
   */
  async decide(user: Identity, id: string, body: DecideTaskDto): Promise<DecisionResultDto> {
    const started = performance.now();
    let kind = 'unknown';
    try {
      const result = await this.decideMeasured(user, id, body, (taskKind) => (kind = taskKind));
      decisionLatency.observe({ kind, result: 'decided' }, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      decisionLatency.observe({ kind, result: error instanceof DomainError ? 'refused' : 'failed' }, (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async decideMeasured(user: Identity, id: string, body: DecideTaskDto, taskKindIs: (kind: string) => void): Promise<DecisionResultDto> {
    const requested = body.payload === undefined ? undefined : checkPayload(body.payload);
    // Not refused here when the read model shows the task closed: a repeated request must still get its
    // first answer, and the workflow, not the read model, knows whether the task is open.
    const { task, cycle } = await this.visibleTask(user, id);
    taskKindIs(task.kind);
    const definition = await this.definitionOf(cycle);
    const requirements = qualificationRequirements(definition, task.contractId === null ? task.stepId : undefined);
    const payload = requested?.kind === 'invitations' ? await this.invitedVendors(requested.vendorIds, cycle.jurisdiction, requirements) : requested;
    // Eligibility again at award and at signing (a vendor suspended, or whose evidence expired, since it
    // bid): checked here against the registry, before the workflow is asked, so a refusal writes nothing
    // and the workflow's history never depends on a registry read.
    if (payload?.kind === 'award') await this.refuseIneligibleWinners(cycle, payload.winners, requirements);
    if (task.contractId !== null && body.outcome !== 'return' && body.outcome !== 'reject' && isSigningTask(definition, task)) {
      await this.refuseIneligibleSigner(task.contractId, cycle.jurisdiction, requirements);
    }
    const result = await this.workflows.decideTask(task.workflowId, {
      requestId: body.requestId,
      actor: actorOf(user),
      taskId: task.taskInstanceId,
      outcome: body.outcome,
      fields: body.fields ?? {},
      ...(body.comment?.trim() ? { comment: body.comment } : {}),
      ...(payload ? { payload } : {}),
    });
    return toDecisionResult(result, { taskId: task.id, cycleId: cycle.id, workflowId: task.workflowId });
  }

  /**
   * The vendors an invitation list names, each found in the registry verified and not suspended in the
   * cycle's jurisdiction; every one that is not is named, and nothing is sent to the workflow.
   */
  private async invitedVendors(vendorIds: readonly string[], jurisdiction: string, requirements: readonly QualificationRequirement[]): Promise<TaskPayload> {
    const vendors: Array<{ vendorId: string; vendorName: string }> = [];
    const problems: FieldProblem[] = [];
    for (const [index, vendorId] of vendorIds.entries()) {
      try {
        const vendor = await this.vendors.assertEligible(vendorId, jurisdiction, requirements);
        vendors.push({ vendorId: vendor.vendorId, vendorName: vendor.name });
      } catch (error) {
        const field = `payload.vendorIds.${index}`;
        if (error instanceof VendorIneligibleError) problems.push({ field, problem: `${error.reason}: ${error.message}` });
        else if (error instanceof NotFoundError) problems.push({ field, problem: 'no such vendor in the registry' });
        else throw error;
      }
    }
    if (problems.length > 0) throw new ValidationError(`Only verified vendors of the registry can be invited: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems);
    return { kind: 'invitations', vendors };
  }

  /** The procedure version the task's cycle runs (versions are never deleted once a cycle runs one). */
  private async definitionOf(cycle: TaskRecord['cycle']): Promise<ProcedureDefinition> {
    const version = await this.definitions.findVersion(cycle.definitionKey, cycle.definitionVersion);
    if (!version) throw new Error(`the definition ${cycle.definitionKey} v${cycle.definitionVersion} of cycle ${cycle.id} is not in the registry`);
    return version.compiled as unknown as ProcedureDefinition;
  }

  /** 409 naming every winner whose vendor may no longer take part; nothing is sent to the workflow. */
  private async refuseIneligibleWinners(cycle: TaskRecord['cycle'], winners: ReadonlyArray<{ bidId: string }>, requirements: readonly QualificationRequirement[]): Promise<void> {
    const bids = await this.repository.bidVendors(cycle.id, winners.map((winner) => winner.bidId));
    const problems: FieldProblem[] = [];
    for (const [index, winner] of winners.entries()) {
      // A bid the read model does not know is the workflow's to refuse: it knows the round's bids.
      const bid = bids.get(winner.bidId);
      if (!bid) continue;
      const refusal = await this.ineligibility(bid.vendorId, cycle.jurisdiction, requirements);
      if (refusal) problems.push({ field: `payload.winners.${index}.bidId`, problem: `bid "${winner.bidId}" of vendor "${bid.vendorName}" (${bid.vendorId}): ${refusal}` });
    }
    if (problems.length > 0) {
      throw new VendorIneligibleError(`Nothing was awarded: a winner may no longer take part. ${problems.map((p) => p.problem).join(' ')}`, 'unqualified', problems);
    }
  }

  /** 409 naming the contract's vendor when it may no longer take part, so it cannot sign. */
  private async refuseIneligibleSigner(contractId: string, jurisdiction: string, requirements: readonly QualificationRequirement[]): Promise<void> {
    const vendor = await this.repository.contractVendor(contractId);
    if (!vendor) return;
    const refusal = await this.ineligibility(vendor.vendorId, jurisdiction, requirements);
    if (refusal) {
      const problem = `vendor "${vendor.vendorName}" (${vendor.vendorId}) of contract ${contractId}: ${refusal}`;
      throw new VendorIneligibleError(`The contract cannot be signed: its vendor may no longer take part. ${problem}`, 'unqualified', [{ field: 'vendorId', problem }]);
    }
  }

  /** Why the vendor may not take part now, or undefined when it may. */
  private async ineligibility(vendorId: string, jurisdiction: string, requirements: readonly QualificationRequirement[]): Promise<string | undefined> {
    try {
      await this.vendors.assertEligible(vendorId, jurisdiction, requirements);
      return undefined;
    } catch (error) {
      if (error instanceof VendorIneligibleError) return `${error.reason}: ${error.message}`;
      if (error instanceof NotFoundError) return 'no such vendor in the registry';
      throw error;
    }
  }

  /** A task the caller may see: of their jurisdiction and, for vendor staff, of their own contract. */
  private async visibleTask(user: Identity, id: string): Promise<TaskRecord> {
    const record = await this.repository.find(id);
    const visible =
      record !== undefined &&
      jurisdictionAllows(user.jurisdiction, record.cycle.jurisdiction) &&
      (user.vendorId === undefined || (record.task.contractId !== null && (await this.repository.isVendorsContract(record.task.contractId, user.vendorId))));
    if (!record || !visible) {
      throw new NotFoundError(`There is no task "${id}" (or it belongs to another jurisdiction). Task ids are listed by GET /tasks.`, [
        { field: 'id', problem: 'no such task' },
      ]);
    }
    return record;
  }
}

export function taskLinks(id: string, cycleId: string): TaskLinksDto {
  const self = `/tasks/${encodeURIComponent(id)}`;
  return { self, decision: `${self}/decision`, cycle: `/cycles/${encodeURIComponent(cycleId)}` };
}

/**
 * A task row as the API shows it. Whether it is overdue is what the workflow recorded (its deadline
 * fired with the task open), never a comparison with this server's clock: the workflow's clock is the
 * one its deadlines run on, and it may differ (a time-skipping test server, clocks stopped by a hold).
 */
export function toTaskDto({ task, cycle }: TaskRecord): TaskDto {
  const status = task.status as TaskStatusValue;
  return {
    id: task.id,
    workflowId: task.workflowId,
    taskInstanceId: task.taskInstanceId,
    cycle: {
      id: cycle.id,
      title: { zh: cycle.title.zh, en: cycle.title.en },
      definitionKey: cycle.definitionKey,
      definitionVersion: cycle.definitionVersion,
      jurisdiction: cycle.jurisdiction,
    },
    contractId: task.contractId,
    stepId: task.stepId,
    nodeId: task.nodeId,
    kind: task.kind,
    role: task.role,
    escalatedTo: [...task.escalatedTo],
    escalateTo: task.escalateTo,
    title: { zh: task.title.zh, en: task.title.en },
    status,
    openedAt: task.openedAt.toISOString(),
    dueAt: task.dueAt?.toISOString() ?? null,
    overdue: status === 'open' && task.overdueAt !== null,
    overdueAt: task.overdueAt?.toISOString() ?? null,
    overdueDueAt: task.overdueDueAt?.toISOString() ?? null,
    overdueWorkingDays: null,
    period: task.period,
    awaitingCaseEvidence: [...(task.awaitingCaseEvidence ?? [])],
    caseEvidenceThrough: task.caseEvidenceThrough?.toISOString() ?? null,
    computedIndicators: [...(task.computedIndicators ?? [])],
    parallelId: task.parallelId,
    decision:
      status === 'decided' && task.outcome
        ? {
            outcome: task.outcome as OutcomeValue,
            decidedBy: task.decidedBy ?? '',
            decidedByName: task.decidedByName,
            decidedAt: task.decidedAt?.toISOString() ?? null,
            comment: task.comment,
            fields: task.fields,
          }
        : null,
    links: taskLinks(task.id, cycle.id),
  };
}

/** A task as the workflow reported it in an update's answer. */
export function toOpenTaskSummary(workflowId: string, cycleId: string, task: TaskInstance): OpenTaskSummaryDto {
  const id = `${workflowId}/${task.id}`;
  return {
    id,
    taskInstanceId: task.id,
    stepId: task.stepId,
    kind: task.kind,
    role: task.role,
    escalatedTo: [...task.escalatedTo],
    title: { zh: task.title.zh, en: task.title.en },
    dueAt: task.dueAt ?? null,
    links: taskLinks(id, cycleId),
  };
}

function toDecisionResult(result: MessageResult, ids: { taskId: string; cycleId: string; workflowId: string }): DecisionResultDto {
  return {
    requestId: result.requestId,
    taskId: ids.taskId,
    cycleId: ids.cycleId,
    workflowId: ids.workflowId,
    status: result.status,
    stepId: result.stepId,
    openTasks: result.openTasks.map((task) => toOpenTaskSummary(ids.workflowId, ids.cycleId, task)),
  };
}

// ---- payloads -------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const score = z.number().int('must be a whole number').min(0, 'must be at least 0').max(100, 'must be at most 100');
const fen = z.number().int('must be a whole number of fen').positive('must be more than 0 fen').max(Number.MAX_SAFE_INTEGER);
const fieldValue = z.union([z.string().max(10_000), z.number().refine(Number.isFinite, 'must be a finite number'), z.boolean()]);

/** The shapes of TaskPayload (workflows/engine/types.ts); the workflow checks their content against the definition. */
const TaskPayloadSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('award'),
      scores: z.record(z.string().min(1), z.record(z.string().min(1), score)),
      winners: z.array(z.object({ bidId: z.string().min(1), amountFen: fen }).strict()).max(100),
    })
    .strict(),
  z.object({ kind: z.literal('evaluation'), scores: z.record(z.string().min(1), score) }).strict(),
  z.object({ kind: z.literal('acceptance'), passed: z.boolean(), recipientOpinions: z.array(z.string().max(10_000)).max(1000) }).strict(),
  z.object({ kind: z.literal('ledger'), lines: z.record(z.string().min(1), fieldValue) }).strict(),
  // The registry ids of the vendors an invited tender invites; the API resolves them before the workflow sees them.
  z.object({ kind: z.literal('invitations'), vendorIds: z.array(z.string().regex(UUID, 'must be the id of a registered vendor (a UUID, as GET /vendors lists them)')).min(1).max(100) }).strict(),
]);

/** A payload as a request carries it: the engine's shapes, except that invitations name vendors by id only. */
export type RequestedPayload = Exclude<TaskPayload, { kind: 'invitations' }> | { kind: 'invitations'; vendorIds: string[] };

/** Refuses a payload that is not one of the five shapes, naming the first bad path under `payload`. */
export function checkPayload(payload: unknown): RequestedPayload {
  const parsed = TaskPayloadSchema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    field: ['payload', ...issue.path.map(String)].join('.'),
    problem: issue.code === 'invalid_union' && issue.path.length === 0 ? 'kind must be "award", "evaluation", "acceptance", "ledger" or "invitations"' : issue.message,
  }));
  throw new ValidationError(`The payload is not a valid task payload: ${details.map((d) => `${d.field} ${d.problem}`).join('; ')}.`, details);
}
