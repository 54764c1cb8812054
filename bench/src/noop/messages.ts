import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** The yardstick's Update: no validator, no activity, answers its argument. */
export const noopUpdate = defineUpdate<string, [string]>('noop');
/** True once the workflow's first task has run, so a measured Update never waits for it. */
export const noopReadyQuery = defineQuery<boolean>('noopReady');

export interface NoopInput {
  /** Wait for one `noopUpdate`, then end; false: end at once (a start measured alone). */
  readonly awaitUpdate: boolean;
}
