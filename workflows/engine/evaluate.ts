import { type ExpressionScope, fromExpressionValue, toExpressionValue } from '../../src/definitions/expressions/expression-language.js';
import { buildProcedureScopes, type ProcedureScopes } from '../../src/definitions/procedure/procedure-scopes.js';
import type { EngineValues, FieldValue, ProcedureDefinition } from './types.js';

/** Building a scope type-checks nothing but is costly; a workflow evaluates many expressions of one definition. */
const scopesByDefinition = new WeakMap<ProcedureDefinition, ProcedureScopes>();

export function scopesOf(definition: ProcedureDefinition): ProcedureScopes {
  let scopes = scopesByDefinition.get(definition);
  if (!scopes) {
    scopes = buildProcedureScopes(definition);
    scopesByDefinition.set(definition, scopes);
  }
  return scopes;
}

/** A failure to evaluate an expression at run time: a missing value, an overflow, a division by zero. */
export class EvaluationFailure extends Error {
  override name = 'EvaluationFailure';
}

/** Evaluates a compiled (type-checked) expression over the run's values, as JSON-safe data. */
export function evaluate(scope: ExpressionScope, expression: string, values: EngineValues): FieldValue {
  let result: unknown;
  try {
    result = fromExpressionValue(scope.evaluate(expression, toExpressionValue(values) as Record<string, unknown>));
  } catch (error) {
    throw new EvaluationFailure((error as Error).message);
  }
  if (typeof result === 'number' || typeof result === 'string' || typeof result === 'boolean') return result;
  throw new EvaluationFailure(`"${expression}" gave ${JSON.stringify(result)}, not a single value`);
}

/** Evaluates an amount: a whole, non-negative number of fen. */
export function evaluateFen(scope: ExpressionScope, expression: string, values: EngineValues, what: string): number {
  const value = evaluate(scope, expression, values);
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EvaluationFailure(`${what} must be a whole number of fen, but "${expression}" gave ${String(value)}`);
  if (value < 0) throw new EvaluationFailure(`${what} may not be negative, but "${expression}" gave ${value} fen`);
  return value;
}

/** Renders a value for a public notice: amounts stay as the expression gives them, booleans read as words. */
export function renderValue(value: FieldValue): string {
  if (typeof value === 'boolean') return value ? '是 yes' : '否 no';
  return String(value);
}
