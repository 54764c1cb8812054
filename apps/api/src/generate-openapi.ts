/**
 * Writes the OpenAPI document generated from the code to `openapi.json` at the repository root.
 * `--check` writes nothing and exits 1 when the checked-in file differs from the code.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { renderOpenApiDocument } from './openapi-offline.js';

const target = path.join(PROJECT_ROOT, 'openapi.json');
const rendered = await renderOpenApiDocument();
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== rendered) {
    process.stderr.write('openapi.json is out of date with the code: run `npm run openapi` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('openapi.json matches the code.\n');
} else {
  await writeFile(target, rendered);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
}
