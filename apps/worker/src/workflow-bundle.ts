import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/** Where `npm run build` writes the prebuilt workflow bundle that production workers load. */
export const PREBUILT_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/** Entry point of the workflow code: the compiled module when built, the TypeScript source otherwise. */
export function workflowsEntryPoint(): string {
  const compiled = path.join(PROJECT_ROOT, 'dist', 'workflows', 'index.js');
  return existsSync(compiled) ? compiled : path.join(PROJECT_ROOT, 'workflows', 'index.ts');
}

/** The workflow interceptors bundled with the workflows: the compiled module when built, the source otherwise. */
function workflowInterceptorModules(): string[] {
  const compiled = path.join(PROJECT_ROOT, 'dist', 'workflows', 'interceptors', 'correlation.js');
  return [existsSync(compiled) ? compiled : path.join(PROJECT_ROOT, 'workflows', 'interceptors', 'correlation.ts')];
}

/** Bundles the workflow code for the Temporal sandbox; throws when a workflow imports something forbidden. */
export function bundleWorkflows(workflowsPath: string = workflowsEntryPoint()): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowInterceptorModules() });
}

/** The prebuilt bundle if there is one, so a worker starts without webpack; otherwise a fresh bundle. */
export async function loadWorkflowBundle(): Promise<{ code: string }> {
  if (existsSync(PREBUILT_BUNDLE_PATH)) return { code: await readFile(PREBUILT_BUNDLE_PATH, 'utf8') };
  return bundleWorkflows();
}
