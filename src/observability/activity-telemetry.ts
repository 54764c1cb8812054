import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { CancelledFailure } from '@temporalio/common';
import type { Logger } from '../logging/logger.js';
import { correlationIdOf, withCorrelationId } from './correlation.js';
import { activityFailures, projectionLag } from './metrics.js';

/** The activities that write the read model: their lag from scheduling to success is the projection lag. */
const PROJECTION_ACTIVITIES: ReadonlySet<string> = new Set(['applyCommands', 'recordCycleLaunched', 'recordBid', 'recordContractStarted', 'recordCaseChanges']);

/**
 * Wraps every activity attempt: a failed attempt is counted and logged with its workflow, activity,
 * attempt and the correlation id of the request behind it; a projection's success records its lag.
 */
export function activityTelemetry(logger: Logger): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      async execute(input, next) {
        const { info } = context;
        const correlationId = correlationIdOf(input.headers);
        const fields = {
          workflowId: info.workflowExecution?.workflowId,
          runId: info.workflowExecution?.runId,
          activity: info.activityType,
          attempt: info.attempt,
          ...(correlationId ? { correlationId } : {}),
        };
        try {
          const result = correlationId ? await withCorrelationId(correlationId, () => next(input)) : await next(input);
          if (PROJECTION_ACTIVITIES.has(info.activityType)) projectionLag.observe({ activity: info.activityType }, (Date.now() - info.scheduledTimestampMs) / 1000);
          logger.debug(fields, 'activity completed');
          return result;
        } catch (error) {
          if (!(error instanceof CancelledFailure)) {
            activityFailures.inc({ activity: info.activityType, task_queue: info.taskQueue });
            logger.warn({ ...fields, err: error }, `activity ${info.activityType} attempt ${info.attempt} failed`);
          }
          throw error;
        }
      },
    },
  });
}
