import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderOpenApiDocument } from '../../../apps/api/src/openapi-offline.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

describe('the checked-in openapi.json', () => {
  it('is what the code generates (run `npm run openapi` after changing the API)', async () => {
    const checkedIn = await readFile(path.join(PROJECT_ROOT, 'openapi.json'), 'utf8');
    expect(checkedIn).toBe(await renderOpenApiDocument());
  });

  it('documents the health endpoints and the error body', async () => {
    const document = JSON.parse(await renderOpenApiDocument()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ReadinessDto', 'ErrorResponseDto']));
  });
});
