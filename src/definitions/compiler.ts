import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { canonicalJson } from '../common/canonical-json.js';
import { CalendarSchema } from './calendars/calendar.schema.js';
import { calendarRules } from './calendars/calendar.rules.js';
import { type CompiledDefinition, DEFINITION_KINDS, type DefinitionKind } from './compiled-definition.js';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { ProcedureSchema } from './procedure/procedure.schema.js';
import { procedureRules } from './procedure/procedure.rules.js';
import { runRules, type SemanticRule } from './rules/rule.js';
import { API_VERSION } from './schema/common.schema.js';
import { zodIssueToDiagnostic } from './schema/schema-diagnostics.js';
import { parseYamlSource, type SourceDocument } from './source/yaml-source.js';
import { SupervisionSchema } from './supervision/supervision.schema.js';
import { supervisionRules } from './supervision/supervision.rules.js';

export type CompileResult =
  | { readonly ok: true; readonly compiled: CompiledDefinition; readonly diagnostics: readonly [] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

interface KindCompiler {
  readonly schema: z.ZodType;
  readonly rules: readonly SemanticRule<never>[];
}

const KINDS: Record<DefinitionKind, KindCompiler> = {
  Procedure: { schema: ProcedureSchema, rules: procedureRules as readonly SemanticRule<never>[] },
  SupervisionLifecycle: { schema: SupervisionSchema, rules: supervisionRules as readonly SemanticRule<never>[] },
  Calendar: { schema: CalendarSchema, rules: calendarRules as readonly SemanticRule<never>[] },
};

/**
 * Compiles one definition file.
 * Guarantees: never throws on any input text; either returns a compiled, deeply frozen definition
 * with its content hash, or every problem found (YAML syntax, then schema, then all semantic rules),
 * each located by file, line, column and path and sorted top to bottom.
 */
export function compileDefinition(text: string, file: string): CompileResult {
  try {
    return compileUnguarded(text, file);
  } catch (error) {
    return {
      ok: false,
      diagnostics: [
        { ruleId: 'PF-INTERNAL', message: `the compiler failed on this file: ${(error as Error).message}`, file, line: 1, column: 1, path: '', severity: 'error' },
      ],
    };
  }
}

function compileUnguarded(text: string, file: string): CompileResult {
  const { source, diagnostics: syntax } = parseYamlSource(text, file);
  if (syntax.length > 0) return failed(syntax);

  const header = readHeader(source);
  if ('diagnostics' in header) return failed(header.diagnostics);

  const compiler = KINDS[header.kind];
  const parsed = compiler.schema.safeParse(source.data);
  if (!parsed.success) return failed(parsed.error.issues.map((issue) => zodIssueToDiagnostic(issue, source)));

  const problems = runRules(compiler.rules, parsed.data as never, source);
  if (problems.length > 0) return failed(problems);

  const definition = deepFreeze(parsed.data) as { metadata: { key: string } };
  const compiled = {
    kind: header.kind,
    key: definition.metadata.key,
    contentHash: contentHash(definition),
    definition,
  } as CompiledDefinition;
  return { ok: true, compiled: Object.freeze(compiled), diagnostics: [] };
}

/** apiVersion and kind decide which schema applies; a wrong one is reported on its own. */
function readHeader(source: SourceDocument): { kind: DefinitionKind } | { diagnostics: Diagnostic[] } {
  const data = source.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { diagnostics: [source.at([], 'PF-KIND', 'a definition must be a YAML mapping starting with apiVersion, kind and metadata')] };
  }
  const { apiVersion, kind } = data as { apiVersion?: unknown; kind?: unknown };
  const diagnostics: Diagnostic[] = [];
  if (apiVersion !== API_VERSION) {
    diagnostics.push(
      source.at(['apiVersion'], 'PF-KIND', `apiVersion must be "${API_VERSION}"${apiVersion === undefined ? '' : `, not ${JSON.stringify(apiVersion)}`}`),
    );
  }
  if (!DEFINITION_KINDS.includes(kind as DefinitionKind)) {
    diagnostics.push(
      source.at(['kind'], 'PF-KIND', `kind must be one of ${DEFINITION_KINDS.join(', ')}${kind === undefined ? '' : `, not ${JSON.stringify(kind)}`}`),
    );
  }
  return diagnostics.length > 0 ? { diagnostics } : { kind: kind as DefinitionKind };
}

/**
 * Most diagnostics reported for one file. Beyond, the first ones are listed and one more says how
 * many follow: nobody reads thousands, and a file that breaks the same rule on every line would
 * otherwise produce an answer many times its own size.
 */
export const MAX_DIAGNOSTICS_PER_FILE = 200;

function failed(diagnostics: readonly Diagnostic[]): CompileResult {
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.length <= MAX_DIAGNOSTICS_PER_FILE) return { ok: false, diagnostics: sorted };
  const listed = sorted.slice(0, MAX_DIAGNOSTICS_PER_FILE - 1);
  const next = sorted[MAX_DIAGNOSTICS_PER_FILE - 1]!;
  const unlisted = sorted.length - MAX_DIAGNOSTICS_PER_FILE;
  return { ok: false, diagnostics: [...listed, { ...next, message: `${next.message} — and ${unlisted} further problems after this one are not listed; fix these first` }] };
}

/** sha256 of the canonical JSON (keys sorted at every level) of a definition. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
  }
  return value;
}
