import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { AppConfig } from '../../../../src/config/config.js';
import { requestFingerprint, updateIdOf } from '../../../../src/procurement/request-fingerprint.js';
import type { caseWorkflow } from '../../../../workflows/cases/case.workflow.js';
import {
  cancelCaseUpdate,
  type CancelCaseRequest,
  type CaseEventRequest,
  caseEventUpdate,
  type CaseMessageResult,
  type CaseStateView,
  caseStateQuery,
  type CaseWorkflowInput,
  caseWorkflowId,
  decideCaseTaskUpdate,
  type DecideCaseTaskRequest,
} from '../../../../workflows/cases/messages.js';
import { ServiceUnavailableError } from '../common/domain-errors.js';
import { APP_CONFIG, LOGGER, TEMPORAL_CLIENT } from '../common/injection-tokens.js';
import type { Logger } from '../../../../src/logging/logger.js';
import { refusalOf } from '../procurement/procurement-workflows.gateway.js';
import { ensureSearchAttributes } from '../../../../src/infra/temporal/search-attribute-registry.js';
import { startSearchAttributes } from '../../../../workflows/search-attributes.js';

const DEADLINE_MS = 10_000;

type Unsigned<R extends { fingerprint: string }> = Omit<R, 'fingerprint'>;

/**
 * The API's only door to the case workflows: starts them on the cases task queue, sends the updates of
 * workflows/cases/messages.ts (validator refusals become 403, 409 and 422, as for cycles) and queries
 * their state.
 */
@Injectable()
export class CasesWorkflowsGateway {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Starts the case's workflow; `false` when it had been started (a repeated enrolment). */
  async start(input: CaseWorkflowInput): Promise<boolean> {
    const searchable = await ensureSearchAttributes(this.client, this.config.temporal.namespace, (problem) => this.logger.warn(problem));
    try {
      await this.client.withDeadline(Date.now() + DEADLINE_MS, () =>
        this.client.workflow.start<typeof caseWorkflow>('caseWorkflow', {
          taskQueue: this.config.temporal.taskQueues.cases,
          workflowId: caseWorkflowId(input.caseId),
          args: [input],
          memo: { jurisdiction: input.jurisdiction, vendorId: input.vendorId ?? null },
          ...(searchable.available ? { typedSearchAttributes: startSearchAttributes({ kind: 'case', jurisdiction: input.jurisdiction, definitionKey: input.lifecycle.key }) } : {}),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw new ServiceUnavailableError(`Temporal did not take the new case (${error instanceof Error ? error.message : String(error)}); enrol again with the same requestId.`);
    }
  }

  event(caseId: string, request: Unsigned<CaseEventRequest>): Promise<CaseMessageResult> {
    const workflowId = caseWorkflowId(caseId);
    const signed: CaseEventRequest = { ...request, fingerprint: requestFingerprint('caseEvent', { workflowId, request }) };
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(caseEventUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }));
  }

  decideTask(caseId: string, request: Unsigned<DecideCaseTaskRequest>): Promise<CaseMessageResult> {
    const workflowId = caseWorkflowId(caseId);
    const signed: DecideCaseTaskRequest = { ...request, fingerprint: requestFingerprint('decideCaseTask', { workflowId, request }) };
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(decideCaseTaskUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }));
  }

  /** Ops cancels the case through its workflow: a refusal (403, 409, 422) is the workflow's own. */
  cancel(caseId: string, request: Unsigned<CancelCaseRequest>): Promise<CaseMessageResult> {
    const workflowId = caseWorkflowId(caseId);
    const signed: CancelCaseRequest = { ...request, fingerprint: requestFingerprint('cancelCase', { workflowId, request }) };
    return this.update(() => this.client.workflow.getHandle(workflowId).executeUpdate(cancelCaseUpdate, { args: [signed], updateId: updateIdOf(signed.requestId, signed.fingerprint) }));
  }

  /** Where a case started moments ago belongs, before the read model has it; undefined when Temporal does not know it. */
  async memo(caseId: string): Promise<{ jurisdiction: string; vendorId: string | null } | undefined> {
    try {
      const description = await this.client.withDeadline(Date.now() + DEADLINE_MS, () => this.client.workflow.getHandle(caseWorkflowId(caseId)).describe());
      const memo = (description.memo ?? {}) as { jurisdiction?: string; vendorId?: string | null };
      return typeof memo.jurisdiction === 'string' ? { jurisdiction: memo.jurisdiction, vendorId: memo.vendorId ?? null } : undefined;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw new ServiceUnavailableError(`Temporal could not be asked about case ${caseId}; try again shortly.`);
    }
  }

  /** The running case's own account; a reason instead when it does not answer. */
  async state(caseId: string): Promise<{ view: CaseStateView } | { unavailable: string }> {
    try {
      return { view: await this.client.withDeadline(Date.now() + DEADLINE_MS, () => this.client.workflow.getHandle(caseWorkflowId(caseId)).query(caseStateQuery)) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { unavailable: 'the case workflow is not known to Temporal' };
      return { unavailable: error instanceof Error ? error.message : String(error) };
    }
  }

  private async update(send: () => Promise<CaseMessageResult>): Promise<CaseMessageResult> {
    try {
      return await this.client.withDeadline(Date.now() + DEADLINE_MS, send);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) throw refusal;
      throw new ServiceUnavailableError(`the case did not answer (${error instanceof Error ? error.message : String(error)}); send the same requestId again to learn the outcome.`);
    }
  }
}
