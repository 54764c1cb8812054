import { Inject, Injectable } from '@nestjs/common';
import { type Client, isGrpcDeadlineError, isGrpcServiceError, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { AppConfig } from '../../../../../src/config/config.js';
import { ServiceUnavailableError } from '../../common/domain-errors.js';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../../common/injection-tokens.js';
import { ProcurementWorkflowsGateway } from '../../procurement/procurement-workflows.gateway.js';

/** How long one call to Temporal may take before the API answers 503. */
const TEMPORAL_DEADLINE_MS = 10_000;

/** An activity of a workflow that has failed at least once and waits for its next attempt. */
export interface FailingActivity {
  readonly activityId: string;
  readonly activity: string;
  readonly attempt: number;
  readonly lastFailure: string | null;
}

/** What Temporal says about a workflow that ops staff repair. */
export interface RepairTarget {
  readonly running: boolean;
  readonly status: string;
  /** The cycle's jurisdiction from the workflow's memo; contracts carry none. */
  readonly memoJurisdiction: string | undefined;
  readonly failing: FailingActivity[];
}

/**
 * The repairs' door to Temporal: describes a workflow's failing activities and asks Temporal to run them
 * again now (the ResetActivity API: attempt count back to 1, any backoff wait skipped; the workflow sees
 * nothing but the activity's eventual result, so its history replays unchanged).
 */
@Injectable()
export class RepairGateway {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workflows: ProcurementWorkflowsGateway,
  ) {}

  /** The workflow as Temporal sees it, or undefined when Temporal knows no such workflow. */
  async target(workflowId: string): Promise<RepairTarget | undefined> {
    try {
      const description = await this.temporal(workflowId, () => this.client.workflow.getHandle(workflowId).describe());
      const memo = (description.memo ?? {}) as { jurisdiction?: unknown };
      const failing = await Promise.all(
        (description.raw.pendingActivities ?? [])
          .filter((activity) => (activity.attempt ?? 1) > 1 || activity.lastFailure)
          .map(async (activity): Promise<FailingActivity> => ({
            activityId: activity.activityId ?? '',
            activity: activity.activityType?.name ?? '',
            attempt: activity.attempt ?? 1,
            lastFailure: await this.workflows.failureMessage(activity.lastFailure),
          })),
      );
      return {
        running: description.status.name === 'RUNNING',
        status: description.status.name,
        memoJurisdiction: typeof memo.jurisdiction === 'string' ? memo.jurisdiction : undefined,
        failing,
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** Asks Temporal to run the activity again at once, with a fresh attempt count and its original options. */
  async retryNow(workflowId: string, activityId: string, identity: string): Promise<void> {
    await this.temporal(workflowId, () =>
      this.client.workflowService.resetActivity({
        namespace: this.config.temporal.namespace,
        execution: { workflowId },
        identity,
        id: activityId,
        resetHeartbeat: false,
        keepPaused: false,
        restoreOriginalOptions: false,
      }),
    );
  }

  private async temporal<T>(workflowId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
    } catch (error) {
      const grpc = error instanceof ServiceError ? error.cause : error;
      if (isGrpcDeadlineError(error) || isGrpcDeadlineError(grpc) || (isGrpcServiceError(grpc) && grpc.code === GRPC_UNAVAILABLE)) {
        throw new ServiceUnavailableError(`Temporal could not be asked about ${workflowId} in time. Try again shortly with the same requestId.`);
      }
      throw error;
    }
  }
}

/** gRPC status UNAVAILABLE: the server is down or unreachable. */
const GRPC_UNAVAILABLE = 14;
