import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../../src/identity/identity.js';
import { actorOf } from '../../common/actor.js';
import { ConflictError, DomainError, NotFoundError, ServiceUnavailableError, ValidationError } from '../../common/domain-errors.js';
import { TEMPORAL_CLIENT } from '../../common/injection-tokens.js';
import { CasesWorkflowsGateway } from '../../cases/cases-workflows.gateway.js';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';
import { type BulkFilter, bulkFilterOf, RUNNING_CYCLE_STATUSES } from '../processes/process-filter.js';
import {
  type BulkAction,
  type BulkExecutionDto,
  type BulkExecutionRequestDto,
  type BulkSelectionDto,
  type BulkSelectionRequestDto,
  type CancelProcessDto,
  MAX_SELECTION,
  type ProcessOutcomeDto,
  type RepairedProcessDto,
  type TerminateProcessDto,
} from './bulk.dto.js';
import { BulkRepository, type ProcessRow, type SelectionRow } from './bulk.repository.js';

/** How long a dry run's list may be executed: long enough to read it, short enough that it still means something. */
export const SELECTION_LIFETIME_MS = 60 * 60 * 1000;
/** How long Temporal may take to terminate one workflow before the API answers 503. */
const TERMINATE_DEADLINE_MS = 10_000;

/** What one repair did to one process. */
interface Repaired {
  readonly outcome: 'done' | 'alreadyEnded';
  readonly status: string;
}

/**
 * Cancelling and terminating processes, one or many. Cancelling goes through the workflow (it withdraws
 * the tasks and projects its own end and audit entry); terminating is Temporal's, for a workflow that
 * cannot run its code any more, so the API records the end and its audit entry itself. A bulk action
 * acts only on the frozen list of its dry run.
 */
@Injectable()
export class BulkService {
  constructor(
    private readonly repository: BulkRepository,
    private readonly workflows: ProcurementWorkflowsGateway,
    private readonly cases: CasesWorkflowsGateway,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
  ) {}

  async cancelOne(user: Identity, workflowId: string, body: CancelProcessDto): Promise<RepairedProcessDto> {
    const process = await this.locate(user, workflowId);
    const requestId = body.requestId ?? randomUUID();
    const repaired = endedCase(process, await this.cancel(user, process, body.reason, requestId), requestId);
    return { workflowId, kind: process.kind, action: 'cancel', ...repaired, reason: body.reason, requestId };
  }

  async terminateOne(user: Identity, workflowId: string, body: TerminateProcessDto): Promise<RepairedProcessDto> {
    const process = await this.locate(user, workflowId);
    const requestId = body.requestId ?? randomUUID();
    const repaired = endedCase(process, await this.terminate(user, process, body.reason, requestId), requestId);
    return { workflowId, kind: process.kind, action: 'terminate', ...repaired, reason: body.reason, requestId };
  }

  /** The dry run: the exact list the execution will act on, frozen under a selection id. */
  async select(user: Identity, body: BulkSelectionRequestDto): Promise<BulkSelectionDto> {
    // One instant for the whole dry run: an age in the filter reaches back from it, and it is kept as selectedAt.
    const selectedAt = new Date();
    const filter = bulkFilterOf(body.filter, selectedAt);
    if (body.action === 'cancel' && filter.kind === 'contract') {
      throw new ValidationError('A contract is cancelled with its cycle: select cycles (kind "cycle") to cancel.', [
        { field: 'filter.kind', problem: 'contracts cannot be cancelled on their own; cancel their cycles' },
      ]);
    }
    const national = user.jurisdiction === NATIONAL_JURISDICTION;
    if (filter.jurisdiction !== undefined && !jurisdictionAllows(user.jurisdiction, filter.jurisdiction)) {
      throw new ValidationError(`You act for "${user.jurisdiction}" and cannot select processes of "${filter.jurisdiction}".`, [
        { field: 'filter.jurisdiction', problem: `is not your jurisdiction ("${user.jurisdiction}")` },
      ]);
    }
    const workflowIds = await this.repository.select(filter, national ? undefined : user.jurisdiction, selectedAt, MAX_SELECTION + 1);
    if (workflowIds.length > MAX_SELECTION) {
      throw new ValidationError(`The filter selects more than ${MAX_SELECTION} processes; narrow it so the whole list can be reviewed.`, [
        { field: 'filter', problem: `selects more than ${MAX_SELECTION} processes` },
      ]);
    }
    const selection = {
      id: randomUUID(),
      action: body.action,
      filter,
      reason: body.reason,
      workflowIds,
      jurisdiction: user.jurisdiction,
      selectedBy: user.userId,
      selectedAt,
      expiresAt: new Date(selectedAt.getTime() + SELECTION_LIFETIME_MS),
    };
    await this.repository.insertSelection(selection);
    return selectionDto(selection);
  }

  /**
   * Acts on exactly the selection's frozen list, once: the first execution claims it; a repeat with the
   * same request id answers the stored outcome, retrying only the processes whose repair failed (or,
   * if the first run was interrupted, finishing it); any other request id is refused.
   */
  async execute(user: Identity, selectionId: string, body: BulkExecutionRequestDto): Promise<BulkExecutionDto> {
    const found = await this.repository.findSelection(selectionId);
    // A selection belongs to its selector's jurisdiction: national staff reach every one, others their own.
    if (!found || (user.jurisdiction !== NATIONAL_JURISDICTION && user.jurisdiction !== found.jurisdiction)) {
      throw new NotFoundError(`No selection ${selectionId} that you can see.`);
    }
    const claimed = await this.repository.claimExecution(selectionId, body.requestId, body.reason, user.userId, new Date());
    const selection = claimed ? found : await this.repository.findSelection(selectionId);
    if (!selection) throw new NotFoundError(`No selection ${selectionId} that you can see.`);
    if (!claimed) {
      if (selection.executionRequestId === null) throw new ConflictError(`Selection ${selectionId} expired at ${selection.expiresAt.toISOString()}; run the dry run again.`);
      if (selection.executionRequestId !== body.requestId) {
        throw new ConflictError(`Selection ${selectionId} was already executed (request "${selection.executionRequestId}"); repeat that request id to see its outcome.`, [
          { field: 'requestId', problem: `the selection was executed by request "${selection.executionRequestId}"` },
        ]);
      }
      if (selection.outcomes && !selection.outcomes.some((o) => o.outcome === 'failed')) {
        return executionDto(selection, selection.executionRequestId, selection.executionReason ?? body.reason, selection.outcomes);
      }
    }
    const reason = selection.executionReason ?? body.reason;
    // A repeat acts again only on what has not succeeded: the processes whose repair failed, or, after an
    // interrupted first run, those without an outcome. Each repair is idempotent, so none happens twice.
    const earlier = new Map((selection.outcomes ?? []).map((o) => [o.workflowId, o]));
    const outcomes: ProcessOutcomeDto[] = [];
    for (const [index, workflowId] of selection.workflowIds.entries()) {
      const known = earlier.get(workflowId);
      outcomes.push(known && known.outcome !== 'failed' ? known : await this.actOn(user, selection, workflowId, reason, `bulk:${selection.id}:${index}`));
    }
    await this.repository.storeOutcomes(selection.id, outcomes);
    return executionDto(selection, body.requestId, reason, outcomes);
  }

  private async actOn(user: Identity, selection: SelectionRow, workflowId: string, reason: string, requestId: string): Promise<ProcessOutcomeDto> {
    try {
      const process = await this.repository.findProcess(workflowId);
      if (!process || !jurisdictionAllows(user.jurisdiction, process.jurisdiction)) return { workflowId, outcome: 'failed', message: 'not found in your jurisdiction' };
      const repaired =
        selection.action === 'cancel' ? await this.cancel(user, process, reason, requestId) : await this.terminate(user, process, reason, requestId, selection.id);
      return { workflowId, outcome: repaired.outcome, message: null };
    } catch (error) {
      return { workflowId, outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async locate(user: Identity, workflowId: string): Promise<ProcessRow> {
    const process = await this.repository.findProcess(workflowId);
    if (!process || !jurisdictionAllows(user.jurisdiction, process.jurisdiction)) throw new NotFoundError(`No cycle, contract or case ${workflowId} that you can see.`);
    return process;
  }

  private async cancel(user: Identity, process: ProcessRow, reason: string, requestId: string): Promise<Repaired> {
    if (process.kind === 'case') return this.cancelCase(user, process, reason, requestId);
    if (process.kind !== 'cycle') {
      throw new ValidationError(`A contract is cancelled with its cycle: cancel ${process.cycleId}.`, [
        { field: 'workflowId', problem: `is a contract; cancel its cycle ${process.cycleId}` },
      ]);
    }
    if (!RUNNING_CYCLE_STATUSES.includes(process.status)) return { outcome: 'alreadyEnded', status: process.status };
    const presence = await this.workflows.presence(process.workflowId);
    if (!presence?.running) return { outcome: 'alreadyEnded', status: process.status };
    let result;
    try {
      result = await this.workflows.cancelCycle(process.workflowId, { requestId, actor: actorOf(user), reason });
    } catch (error) {
      // Ended between the look and the cancellation: nothing was done, and nothing needs doing.
      if (error instanceof ConflictError) return { outcome: 'alreadyEnded', status: (await this.repository.findProcess(process.workflowId))?.status ?? process.status };
      throw error;
    }
    // An awarded cycle stays `awarded` until its contracts, now cancelled, have ended.
    return { outcome: 'done', status: process.status === 'awarded' ? 'awarded' : result.status };
  }

  /**
   * A case is cancelled by its own workflow, which withdraws its tasks and projects its end and audit
   * entry. A case that has ended (or ends while asked) is left as it is.
   */
  private async cancelCase(user: Identity, process: ProcessRow, reason: string, requestId: string): Promise<Repaired> {
    // The workflow projects its end before it closes, so the read model already knows a repeat of the request that ended it.
    if (process.status !== 'running') return { outcome: process.endRequestId === requestId ? 'done' : 'alreadyEnded', status: process.status };
    try {
      await this.cases.cancel(process.cycleId, { requestId, actor: actorOf(user), reason });
    } catch (error) {
      // Ended between the look and the cancellation: nothing was done, and nothing needs doing.
      if (error instanceof ConflictError) return { outcome: 'alreadyEnded', status: (await this.repository.findProcess(process.workflowId))?.status ?? process.status };
      throw error;
    }
    return { outcome: 'done', status: 'cancelled' };
  }

  private async terminate(user: Identity, process: ProcessRow, reason: string, requestId: string, selectionId?: string): Promise<Repaired> {
    if (process.kind === 'case' && process.endRequestId === requestId) return { outcome: 'done', status: process.status };
    const running = process.kind === 'cycle' ? RUNNING_CYCLE_STATUSES.includes(process.status) : process.status === 'running';
    if (!running) return { outcome: 'alreadyEnded', status: process.status };
    const handle = this.client.workflow.getHandle(process.workflowId);
    try {
      await this.client.withDeadline(Date.now() + TERMINATE_DEADLINE_MS, () => handle.terminate(`${reason} (by ${user.userId})`));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw unavailable(process.workflowId, error);
      // Closed already: record it only if an earlier termination of ours left the read model behind;
      // a workflow that ended otherwise projects its own end.
      const description = await handle.describe().catch(() => undefined);
      if (description?.status.name !== 'TERMINATED') return { outcome: 'alreadyEnded', status: process.status };
    }
    await this.repository.recordTermination({ process, actorId: user.userId, reason, requestId, at: new Date(), ...(selectionId === undefined ? {} : { selectionId }) });
    return { outcome: 'done', status: 'terminated' };
  }
}

/**
 * A single cancel or terminate of a case that had already ended is refused (409), so the caller learns
 * that their request changed nothing; a repeat of the request that ended it answers as the first did.
 * (Bulk runs keep `alreadyEnded` as a per-process outcome, and cycles answer it, as before.)
 */
function endedCase(process: ProcessRow, repaired: Repaired, requestId: string): Repaired {
  if (process.kind !== 'case' || repaired.outcome !== 'alreadyEnded' || process.endRequestId === requestId) return repaired;
  throw new ConflictError(`Case ${process.workflowId} has already ended (${repaired.status}); nothing was changed.`, [
    { field: 'workflowId', problem: `the case is ${repaired.status}` },
  ]);
}

function unavailable(workflowId: string, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  return new ServiceUnavailableError(`Temporal did not terminate ${workflowId}: ${error instanceof Error ? error.message : String(error)}. Try again.`);
}

function selectionDto(selection: Pick<SelectionRow, 'id' | 'action' | 'filter' | 'workflowIds' | 'selectedBy' | 'selectedAt' | 'expiresAt'>): BulkSelectionDto {
  return {
    selectionId: selection.id,
    action: selection.action,
    filter: selection.filter satisfies BulkFilter,
    count: selection.workflowIds.length,
    workflowIds: [...selection.workflowIds],
    selectedBy: selection.selectedBy,
    selectedAt: selection.selectedAt.toISOString(),
    expiresAt: selection.expiresAt.toISOString(),
    execution: `/ops/bulk/${selection.id}/execution`,
  };
}

function executionDto(selection: SelectionRow, requestId: string, reason: string, outcomes: readonly ProcessOutcomeDto[]): BulkExecutionDto {
  const count = (outcome: ProcessOutcomeDto['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
  return {
    selectionId: selection.id,
    action: selection.action as BulkAction,
    requestId,
    reason,
    count: selection.workflowIds.length,
    done: count('done'),
    alreadyEnded: count('alreadyEnded'),
    failed: count('failed'),
    outcomes: [...outcomes],
  };
}
