import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../../../src/definitions/diagnostics.js';
import { procedureRules } from '../../../../src/definitions/procedure/procedure.rules.js';
import { ProcedureSchema } from '../../../../src/definitions/procedure/procedure.schema.js';
import { runRules } from '../../../../src/definitions/rules/rule.js';
import { parseYamlSource } from '../../../../src/definitions/source/yaml-source.js';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'minimal-procedure.yaml');

describe('the minimal procedure fixture', () => {
  it('passes the schema and every procedure rule', () => {
    const { source, diagnostics } = parseYamlSource(readFileSync(file, 'utf8'), 'minimal-procedure.yaml');
    expect(diagnostics).toEqual([]);
    const parsed = ProcedureSchema.safeParse(source.data);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const problems = runRules(procedureRules, parsed.data!, source);
    expect(problems.map(formatDiagnostic)).toEqual([]);
  });
});
