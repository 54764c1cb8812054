import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import { formatDiagnostic } from '../../../src/definitions/diagnostics.js';
import { renderMermaid } from '../../../src/definitions/procedure/procedure-graph.js';
import { renderJsonSchemas } from '../../../src/definitions/schema/json-schemas.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

const definitionsDir = path.join(PROJECT_ROOT, 'definitions');
const shipped = ['procedures', 'supervision', 'calendars'].flatMap((folder) =>
  readdirSync(path.join(definitionsDir, folder))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.join(folder, name)),
);

describe('the definitions procureflow ships', () => {
  it('include the seed jurisdictions’ procedures, the supervision lifecycle and the calendars', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'procedures/xiamen-community-correction.yaml',
        'procedures/deqing-community-correction.yaml',
        'procedures/baotou-people-mediation.yaml',
        'procedures/baotou-resettlement.yaml',
        'procedures/xuancheng-community-correction.yaml',
        'procedures/ningxia-community-correction.yaml',
        'supervision/community-correction-case.yaml',
        'calendars/cn-2026.yaml',
      ]),
    );
  });

  it.each(shipped)('%s compiles without a single diagnostic', (file) => {
    const result = compileDefinition(readFileSync(path.join(definitionsDir, file), 'utf8'), file);
    expect(result.ok ? [] : result.diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it.each(shipped.filter((file) => file.startsWith('procedures/')))('%s renders as a Mermaid flowchart of its six steps', (file) => {
    const result = compileDefinition(readFileSync(path.join(definitionsDir, file), 'utf8'), file);
    if (!result.ok || result.compiled.kind !== 'Procedure') throw new Error(`${file} does not compile to a procedure`);
    const mermaid = renderMermaid(result.compiled.definition);
    expect(mermaid.startsWith('flowchart TD\n')).toBe(true);
    for (const step of result.compiled.definition.steps) expect(mermaid).toContain(`subgraph ${step.id}[`);
    // Every node appears, and every edge joins two declared nodes.
    const declared = new Set(result.compiled.definition.steps.flatMap((step) => step.flow.nodes.map((node) => `${step.id}__${node.id}`)));
    for (const [, from, to] of mermaid.matchAll(/^\s+(\S+) -->(?:\|[^|]*\|)? (\S+)$/gm)) {
      for (const end of [from, to]) if (!['cycleStart', 'cycleTerminated'].includes(end ?? '')) expect(declared).toContain(end);
    }
  });

  it('has JSON Schema files that match the code (run `npm run schemas` after changing a schema)', () => {
    for (const [file, text] of Object.entries(renderJsonSchemas())) {
      expect([file, readFileSync(path.join(definitionsDir, 'schema', file), 'utf8')]).toEqual([file, text]);
    }
  });
});
