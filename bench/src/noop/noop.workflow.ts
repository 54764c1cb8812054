/**
 * The no-op workflow: what Temporal itself costs on this machine, with none of procureflow's work
 * (no definition, no interpreter, no projection, no encryption). The bench measures the engine against it.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { type NoopInput, noopReadyQuery, noopUpdate } from './messages.js';

export async function noopWorkflow(input: NoopInput): Promise<void> {
  if (!input.awaitUpdate) return;
  let updated = false;
  setHandler(noopReadyQuery, () => true);
  setHandler(noopUpdate, (value) => {
    updated = true;
    return value;
  });
  await condition(() => updated);
}
