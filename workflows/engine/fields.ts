import type { FieldDefinitionT } from '../../src/definitions/procedure/procedure.schema.js';
import type { FieldValue, FormValues } from './types.js';

/** A value that breaks a field's declaration, named by the field's path for the API's 422. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * Checks values against declared fields (cycle inputs, task forms, ledger lines) and fills in
 * defaults. Guarantees: returns either every problem (unknown fields, missing required ones, wrong
 * types, values out of bounds) or the complete, typed values.
 */
export function checkFields(
  declared: readonly FieldDefinitionT[],
  given: Readonly<Record<string, unknown>>,
  prefix: string,
): { ok: true; values: FormValues } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const values: FormValues = {};
  const known = new Set(declared.map((field) => field.id));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) problems.push({ field: `${prefix}.${name}`, problem: `is not a field here (fields: ${[...known].join(', ') || 'none'})` });
  }
  for (const field of declared) {
    const raw = given[field.id];
    const path = `${prefix}.${field.id}`;
    if (raw === undefined || raw === null || raw === '') {
      if (field.default !== undefined) values[field.id] = field.default;
      else if (field.required) problems.push({ field: path, problem: `is required (${field.title.zh} ${field.title.en})` });
      continue;
    }
    const problem = valueProblem(field, raw);
    if (problem) problems.push({ field: path, problem });
    else values[field.id] = raw as FieldValue;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

function valueProblem(field: FieldDefinitionT, value: unknown): string | undefined {
  switch (field.type) {
    case 'int':
    case 'money': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return field.type === 'money' ? 'must be a whole number of fen' : 'must be a whole number';
      if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
      if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
      return undefined;
    }
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(value) ? undefined : 'must be a date written YYYY-MM-DD';
    case 'string': {
      if (typeof value !== 'string') return 'must be text';
      if (field.minLength !== undefined && value.length < field.minLength) return `must have at least ${field.minLength} characters`;
      if (field.maxLength !== undefined && value.length > field.maxLength) return `must have at most ${field.maxLength} characters`;
      if (field.oneOf && !field.oneOf.includes(value)) return `must be one of ${field.oneOf.join(', ')}`;
      return undefined;
    }
  }
}
