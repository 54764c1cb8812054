import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { CORRELATION_HEADER } from './correlation-header.js';

/** The correlation id of the work in progress: an API request's, or the one an activity was scheduled with. */
const correlation = new AsyncLocalStorage<string>();

export function currentCorrelationId(): string | undefined {
  return correlation.getStore();
}

/** Runs `work` (and everything it awaits) under the correlation id. */
export function withCorrelationId<T>(id: string, work: () => T): T {
  return correlation.run(id, work);
}

/** The correlation id a Temporal header carries, if any. */
export function correlationIdOf(headers: Headers): string | undefined {
  const payload = headers[CORRELATION_HEADER];
  if (!payload) return undefined;
  const id: unknown = defaultPayloadConverter.fromPayload(payload);
  return typeof id === 'string' ? id : undefined;
}

function withCorrelationHeader(headers: Headers): Headers {
  const id = currentCorrelationId();
  return id === undefined ? headers : { ...headers, [CORRELATION_HEADER]: defaultPayloadConverter.toPayload(id) };
}

/**
 * The API's Temporal client interceptor: every workflow start, update and signal carries the correlation id
 * of the request that sent it, so the workflow's activities log under that id too.
 */
export function correlationClientInterceptor(): WorkflowClientInterceptor {
  return {
    start: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers) }),
    startUpdate: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers) }),
    startUpdateWithStart: (input, next) =>
      next({ ...input, workflowStartHeaders: withCorrelationHeader(input.workflowStartHeaders), updateHeaders: withCorrelationHeader(input.updateHeaders) }),
    signal: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers) }),
    signalWithStart: (input, next) => next({ ...input, headers: withCorrelationHeader(input.headers) }),
  };
}
