import { isCancellation, patched } from '@temporalio/workflow';

/**
 * Runs `local` (a local activity) and, should its few attempts fail, `regular` (the same activity as a
 * regular one) with the same input; in runs without the patch `patchId` (started before it), `regular`
 * alone, as they ran. For idempotent read-model writes: a local activity runs inside the workflow task
 * that asked for it and leaves one marker (its result) in the history, where a regular one costs three
 * events (its input among them) and a workflow task to take its result; the regular one retries without
 * end and shows as pending, with its failure, to the ops tools (stuck list, retry now). What the local
 * attempts partly wrote, the regular one finishes without doubling, the write being idempotent.
 */
export async function localFirst<Input, Result>(
  patchId: string,
  local: (input: Input) => Promise<Result>,
  regular: (input: Input) => Promise<Result>,
  input: Input,
): Promise<Result> {
  if (patched(patchId)) {
    try {
      return await local(input);
    } catch (error) {
      if (isCancellation(error)) throw error;
    }
  }
  return regular(input);
}
