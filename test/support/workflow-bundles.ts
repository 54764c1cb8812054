import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

const silent = () => undefined;
const quietLogger = { info: silent, warn: silent, error: silent, debug: silent, trace: silent, log: silent };

/** Bundles a workflow module of the test tree (path relative to test/) without webpack's chatter. */
export function bundleTestWorkflows(relativeToTestDir: string): Promise<{ code: string }> {
  const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return bundleWorkflowCode({ workflowsPath: path.join(testDir, relativeToTestDir), logger: quietLogger });
}
