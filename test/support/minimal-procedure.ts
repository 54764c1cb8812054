import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';

/**
 * What unit tests of the interpreter build their procedures from: the minimal test procedure, edited
 * line by line, compiled as the registry would, and the 2026 national calendar its deadlines count on.
 */

/** The text of the smallest procedure that uses every step kind. */
export const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');

/** `text` with each `[from, to]` replaced once; a `from` it no longer has fails the test rather than testing nothing. */
export function edited(text: string, edits: ReadonlyArray<readonly [string, string]>): string {
  return edits.reduce((so, [from, to]) => {
    if (!so.includes(from)) throw new Error(`the test procedure no longer has ${JSON.stringify(from.trim())}: update this test`);
    return so.replace(from, to);
  }, text);
}

/** Compiles a test procedure, failing with the compiler's messages when it does not compile. */
export function compiledProcedure(text: string, file: string): ProcedureDefinition {
  const result = compileDefinition(text, file);
  if (!result.ok) throw new Error(`the test definition does not compile: ${JSON.stringify(result.diagnostics.map((d) => d.message))}`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

/** The 2026 national calendar (National Day and its make-up Saturdays included), compiled. */
export const CN_2026: CalendarDefinition = (() => {
  const file = 'definitions/calendars/cn-2026.yaml';
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as CalendarDefinition;
})();
