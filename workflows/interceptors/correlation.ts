/**
 * Carries the correlation id of the request that last reached this workflow (start, Update or signal)
 * into the activities, child workflows and continued runs it schedules, so their log lines name the
 * request. The header lives in history, so replay sees the same id.
 */
import type { Headers, Payload, WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { CORRELATION_HEADER } from '../../src/observability/correlation-header.js';

/** Module state is per workflow execution in Temporal's sandbox. */
let current: Payload | undefined;

function remember(headers: Headers): void {
  const payload = headers[CORRELATION_HEADER];
  if (payload) current = payload;
}

function carry(headers: Headers): Headers {
  return current === undefined || headers[CORRELATION_HEADER] ? headers : { ...headers, [CORRELATION_HEADER]: current };
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute: (input, next) => {
        remember(input.headers);
        return next(input);
      },
      handleUpdate: (input, next) => {
        remember(input.headers);
        return next(input);
      },
      handleSignal: (input, next) => {
        remember(input.headers);
        return next(input);
      },
    },
  ],
  outbound: [
    {
      scheduleActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: carry(input.headers) }),
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: carry(input.headers) }),
      continueAsNew: (input, next) => next({ ...input, headers: carry(input.headers) }),
    },
  ],
});
