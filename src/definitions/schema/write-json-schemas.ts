/** `npm run schemas`: writes the JSON Schema files of the definition language to definitions/schema/. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config/project-root.js';
import { renderJsonSchemas } from './json-schemas.js';

const directory = path.join(PROJECT_ROOT, 'definitions', 'schema');
await mkdir(directory, { recursive: true });
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  await writeFile(path.join(directory, file), text);
  process.stdout.write(`wrote definitions/schema/${file}\n`);
}
