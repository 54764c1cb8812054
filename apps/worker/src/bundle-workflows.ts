/** Build step: writes the workflow bundle production workers load. Exits non-zero when bundling fails. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflows, PREBUILT_BUNDLE_PATH } from './workflow-bundle.js';

try {
  const { code } = await bundleWorkflows();
  await mkdir(path.dirname(PREBUILT_BUNDLE_PATH), { recursive: true });
  await writeFile(PREBUILT_BUNDLE_PATH, code);
  process.stdout.write(`workflow bundle written to ${path.relative(process.cwd(), PREBUILT_BUNDLE_PATH)} (${Math.round(code.length / 1024)} KiB)\n`);
} catch (error) {
  process.stderr.write(`bundling the workflows failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
