import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually } from './eventually.js';

/** A timer a cycle's live state lists as pending (`live.pendingTimers` of GET /cycles/{id}). */
export interface PendingTimerView {
  purpose: string;
  until: string;
}

/**
 * Moves the time-skipping server's clock just past the end of the pending timer of `purpose` that ends
 * first, as the cycle itself reports it — rather than by a fixed span that merely hopes to be long enough.
 * Waits for the timer to be listed first, since the workflow starts it after the step that precedes it.
 */
export async function skipPastTimer(env: TestWorkflowEnvironment, pendingTimers: () => Promise<readonly PendingTimerView[]>, purpose: string): Promise<void> {
  const timers = await eventually(pendingTimers, (listed) => listed.some((timer) => timer.purpose === purpose));
  const until = timers.filter((timer) => timer.purpose === purpose).map((timer) => Date.parse(timer.until)).sort((a, b) => a - b)[0] ?? 0;
  // One second past the end, so the timer has fired by the time the clock stops.
  await env.sleep(Math.max(1, until - (await env.currentTimeMs()) + 1000));
}
