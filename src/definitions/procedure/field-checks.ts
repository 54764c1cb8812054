import { ExpressionError, ExpressionScope, namesRead, toExpressionValue, type VariableShape } from '../expressions/expression-language.js';
import type { FieldCheckT, FieldDefinitionT, ProcedureDefinition } from './procedure.schema.js';

/**
 * Checks across the fields of one form (definitions/README.md, "Checks across fields"): a task's form,
 * the cycle's inputs or a ledger's lines. The compiler type-checks them in the scope built here and
 * the interpreter evaluates them in the same scope, so what compiles is what runs.
 */

/** Variables besides the form's own fields that a check may read. */
export const CHECK_CONTEXT_VARIABLES = ['inputs', 'derived'] as const;

const scopes = new WeakMap<readonly FieldDefinitionT[], ExpressionScope>();

/**
 * The scope of the checks of the form declared by `fields`: each field by its id, plus `inputs` and
 * `derived`. Built once per form, since a workflow checks many submissions of one definition.
 */
export function checkScope(procedure: ProcedureDefinition, fields: readonly FieldDefinitionT[]): ExpressionScope {
  let scope = scopes.get(fields);
  if (!scope) {
    const inputs = Object.fromEntries(procedure.inputs.map((field) => [field.id, field.type])) as Record<string, VariableShape>;
    const derived = Object.fromEntries(procedure.derived.map((value) => [value.id, value.type])) as Record<string, VariableShape>;
    const own = Object.fromEntries(fields.map((field) => [field.id, field.type])) as Record<string, VariableShape>;
    // A field named like a context variable would hide it; the compiler refuses such a form (PF-CHECK).
    scope = new ExpressionScope({ ...own, inputs, derived });
    scopes.set(fields, scope);
  }
  return scope;
}

/** The fields of the form a check reads, in the order it names them (for inputs, `inputs.x` counts as reading x). */
export function fieldsReadBy(check: FieldCheckT, fields: readonly FieldDefinitionT[], isInputs: boolean): string[] {
  const declared = new Set(fields.map((field) => field.id));
  const read: string[] = [];
  for (const name of namesRead(check.expr)) {
    const id = isInputs && name.startsWith('inputs.') ? name.slice('inputs.'.length) : name;
    if (declared.has(id) && !read.includes(id)) read.push(id);
  }
  return read;
}

/** A check a submission breaks, with the fields it reads (as `prefix.id`, the API's field paths). */
export interface BrokenCheck {
  readonly message: string;
  readonly fields: readonly string[];
}

/**
 * Evaluates every check on a submission whose fields already passed their own declarations.
 * Guarantees: returns each check that does not hold, or cannot be evaluated on these values (a
 * division by zero, an overflow), with its message; a check reading a field left empty (optional,
 * no default) does not apply. Never shows a value: a field may be confidential.
 */
export function brokenChecks(
  procedure: ProcedureDefinition,
  fields: readonly FieldDefinitionT[],
  checks: readonly FieldCheckT[] | undefined,
  given: Readonly<Record<string, unknown>>,
  context: { readonly inputs: Readonly<Record<string, unknown>>; readonly derived: Readonly<Record<string, unknown>> },
  prefix: string,
): BrokenCheck[] {
  if (!checks || checks.length === 0) return [];
  const scope = checkScope(procedure, fields);
  const isInputs = prefix === 'inputs';
  const values = toExpressionValue({ ...given, inputs: context.inputs, derived: context.derived }) as Record<string, unknown>;
  const broken: BrokenCheck[] = [];
  for (const check of checks) {
    const read = fieldsReadBy(check, fields, isInputs);
    if (read.some((id) => given[id] === undefined)) continue;
    const message = `${check.message.zh} ${check.message.en}`;
    const paths = read.map((id) => `${prefix}.${id}`);
    try {
      if (scope.evaluate(check.expr, values) !== true) broken.push({ message, fields: paths });
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      broken.push({ message: `${message} (cannot be checked on these values: ${error.message.replace(/^evaluating "[^"]*" failed: /, '')})`, fields: paths });
    }
  }
  return broken;
}
