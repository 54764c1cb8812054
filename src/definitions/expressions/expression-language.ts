import { type ASTNode, Environment, EvaluationError, parse } from '@marcbachmann/cel-js';

/**
 * The expression language of definitions: CEL (Common Expression Language).
 *
 * Why CEL: it is not Turing-complete (every expression terminates), has no access to the host,
 * is deterministic (it can run inside Temporal's workflow sandbox, which this module must stay fit
 * for: no Node built-ins), is statically typed (every expression is type-checked against the
 * declared inputs and fields when a definition is compiled), and has 64-bit integer arithmetic with
 * overflow errors, so money in fen never passes through floating point.
 */

/** Types a definition can declare; `money` is an `int` of fen, `date` a `YYYY-MM-DD` string. */
export type ScalarType = 'int' | 'money' | 'string' | 'bool' | 'date';

/** The declared shape of an expression's variables: a scalar or an object of named members. */
export type VariableShape = ScalarType | { readonly [member: string]: VariableShape };

/** The CEL type an expression must produce where it is used. */
export type ExpectedType = 'int' | 'bool' | 'string';

export type CheckResult =
  | { readonly ok: true; readonly type: string }
  | {
      readonly ok: false;
      readonly message: string;
      /** Offset of the problem inside the expression text (0-based). */
      readonly offset: number;
    };

/** Values of variables at evaluation time: integers as bigint (money included), dates as strings. */
export type ExpressionValues = Record<string, unknown>;

const LIMITS = { maxAstNodes: 2000, maxDepth: 32 } as const;

/**
 * A set of typed variables that expressions may use, plus the functions every definition has
 * (`min`, `max` on ints). Build one per scope and reuse it: construction is the expensive part.
 */
export class ExpressionScope {
  private readonly environment: Environment;

  constructor(readonly variables: Readonly<Record<string, VariableShape>>) {
    let environment = new Environment({ limits: LIMITS })
      .registerFunction('min(int, int): int', (a: bigint, b: bigint) => (a < b ? a : b))
      .registerFunction('max(int, int): int', (a: bigint, b: bigint) => (a > b ? a : b));
    for (const [name, shape] of Object.entries(variables)) {
      environment =
        typeof shape === 'string'
          ? environment.registerVariable(name, celType(shape))
          : environment.registerVariable({ name, schema: toSchema(shape) });
    }
    this.environment = environment;
  }

  /** Type-checks `expression`; when `expected` is given, its result must have that type. Never throws. */
  check(expression: string, expected?: ExpectedType): CheckResult {
    let result: ReturnType<Environment['check']>;
    try {
      result = this.environment.check(expression);
    } catch (error) {
      return { ok: false, message: cleanMessage((error as Error).message), offset: 0 };
    }
    if (!result.valid) {
      const error = result.error as { summary?: string; message: string; range?: { start: number } } | undefined;
      return { ok: false, message: cleanMessage(error?.summary ?? error?.message ?? 'invalid expression'), offset: error?.range?.start ?? 0 };
    }
    const type = String(result.type);
    if (expected && type !== expected && type !== 'dyn') {
      return { ok: false, message: `the expression gives ${describeType(type)} where ${describeType(expected)} is needed`, offset: 0 };
    }
    return { ok: true, type };
  }

  /**
   * Evaluates a type-checked expression. Integers come back as bigint. Throws `ExpressionError`
   * (overflow, division by zero, a missing value) with the expression in its message.
   */
  evaluate(expression: string, values: ExpressionValues): unknown {
    try {
      return this.environment.evaluate(expression, values);
    } catch (error) {
      const reason = error instanceof EvaluationError ? error.message : (error as Error).message;
      throw new ExpressionError(`evaluating "${expression}" failed: ${cleanMessage(reason)}`);
    }
  }
}

/**
 * The variables an expression reads: each bare name (`socialWorkers`) and each member of a bare name
 * (`inputs.supervisedPersons`), in order of appearance, once each. A comprehension's own variable
 * (`x` in `list.all(x, x > 0)`) counts too; callers match the result against names they declared.
 * An expression that does not parse reads nothing.
 */
export function namesRead(expression: string): string[] {
  let root: ASTNode;
  try {
    root = parse(expression).ast;
  } catch {
    return [];
  }
  const names = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      continue;
    }
    if (node === null || typeof node !== 'object' || !('op' in node)) continue;
    const ast = node as ASTNode;
    if (ast.op === 'id') {
      names.add(ast.args);
      continue;
    }
    if (ast.op === '.' && ast.args[0].op === 'id') names.add(`${ast.args[0].args}.${ast.args[1]}`);
    stack.push(ast.args);
  }
  return [...names];
}

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

function celType(type: ScalarType): string {
  switch (type) {
    case 'int':
    case 'money':
      return 'int';
    case 'bool':
      return 'bool';
    case 'string':
    case 'date':
      return 'string';
  }
}

type CelSchema = { [member: string]: string | CelSchema };

function toSchema(shape: { readonly [member: string]: VariableShape }): CelSchema {
  const schema: CelSchema = {};
  for (const [member, inner] of Object.entries(shape)) schema[member] = typeof inner === 'string' ? celType(inner) : toSchema(inner);
  return schema;
}

function describeType(type: string): string {
  switch (type) {
    case 'int':
      return 'a whole number (or an amount in fen)';
    case 'bool':
      return 'true/false';
    case 'string':
      return 'text';
    case 'double':
      return 'a fractional number (amounts must stay whole numbers of fen)';
    default:
      return type;
  }
}

/** The library's messages carry a caret excerpt on later lines; the diagnostic has its own position. */
function cleanMessage(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

/** Converts a JSON-safe value (numbers for ints) into what expressions evaluate on (bigints). */
export function toExpressionValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toExpressionValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toExpressionValue(v)]));
  }
  return value;
}

/** Converts an expression result back to JSON-safe data; an integer beyond 2^53 is refused, not rounded. */
export function fromExpressionValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ExpressionError(`the result ${value} is too large to store exactly`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map(fromExpressionValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromExpressionValue(v)]));
  }
  return value;
}
