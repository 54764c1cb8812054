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

  it('marks every definitions operation as needing a bearer token, and the health endpoints as public', async () => {
    const document = JSON.parse(await renderOpenApiDocument()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    const definitions = Object.entries(document.paths).filter(([route]) => route.startsWith('/definitions'));
    expect(definitions.map(([route]) => route)).toEqual(
      expect.arrayContaining(['/definitions', '/definitions/validate', '/definitions/{key}', '/definitions/{key}/versions/{version}', '/definitions/{key}/diff']),
    );
    for (const [route, operations] of definitions) {
      for (const [method, operation] of Object.entries(operations)) {
        expect([route, method, operation.security]).toEqual([route, method, [{ bearer: [] }]]);
        expect(Object.keys(operation.responses)).toContain('401');
      }
    }
    expect(Object.keys(document.paths['/definitions']?.['post']?.responses ?? {})).toEqual(expect.arrayContaining(['200', '201', '403', '422']));
    expect(document.paths['/health']?.['get']?.security).toBeUndefined();
  });
});
