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

/** The declared shape of an expression's variables: a scalar, a list of like objects, or an object of named members. */
export type VariableShape = ScalarType | ListOf | { readonly [member: string]: VariableShape };

/**
 * A list whose items all have one object shape (`periods.ledger[0].kpis.rate`). A class, not a plain
 * object, so that no member name of an object shape can be mistaken for it.
 */
export class ListOf {
  constructor(readonly item: { readonly [member: string]: VariableShape }) {}
}

/** How the values of one typed list are turned into the typed items the library checks: built per list, by the scope. */
type ItemConverter = (value: unknown) => unknown;

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
  /** For each variable that holds typed lists somewhere inside, how to convert its plain value. */
  private readonly converters = new Map<string, ItemConverter>();

  constructor(readonly variables: Readonly<Record<string, VariableShape>>) {
    let environment = new Environment({ limits: LIMITS })
      .registerFunction('min(int, int): int', (a: bigint, b: bigint) => (a < b ? a : b))
      .registerFunction('max(int, int): int', (a: bigint, b: bigint) => (a > b ? a : b));
    // The library converts a declared variable's object into its type, but not the items of a list
    // inside it: those are registered as types with a constructor here and converted before evaluation.
    const types = new ListTypes();
    const declarations = Object.entries(variables).map(([name, shape]): { name: string; type: string } | { name: string; schema: CelSchema } =>
      typeof shape === 'string' ? { name, type: celType(shape) } : shape instanceof ListOf ? { name, type: types.listType(name, shape) } : { name, schema: types.schema(name, shape) },
    );
    // Item types first: the variables' declarations name them.
    for (const type of types.registered) environment = environment.registerType(type.name, { ctor: type.ctor, fields: type.fields });
    for (const declaration of declarations) {
      environment = 'type' in declaration ? environment.registerVariable(declaration.name, declaration.type) : environment.registerVariable({ name: declaration.name, schema: declaration.schema });
    }
    for (const [name, shape] of Object.entries(variables)) if (typeof shape !== 'string' && hasList(shape)) this.converters.set(name, types.converter(shape, name));
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
    let typed = values;
    if (this.converters.size > 0) {
      typed = { ...values };
      for (const [name, convert] of this.converters) if (name in typed) typed[name] = convert(typed[name]);
    }
    try {
      return this.environment.evaluate(expression, typed);
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
type ObjectShape = { readonly [member: string]: VariableShape };

function hasList(shape: VariableShape): boolean {
  if (typeof shape === 'string') return false;
  if (shape instanceof ListOf) return true;
  return Object.values(shape).some(hasList);
}

/**
 * The named types one scope's typed lists need: each list item, and each object inside an item, is
 * a type with its own constructor, named after its path (`periods.ledger[]` → `periods_ledger_item`).
 */
class ListTypes {
  readonly registered: Array<{ name: string; ctor: new (value: Record<string, unknown>) => object; fields: Record<string, string> }> = [];

  /** The schema of an object variable, its lists typed as lists of registered item types. */
  schema(path: string, shape: ObjectShape): CelSchema {
    const schema: CelSchema = {};
    for (const [member, inner] of Object.entries(shape)) {
      const at = `${path}_${member}`;
      schema[member] = typeof inner === 'string' ? celType(inner) : inner instanceof ListOf ? this.listType(at, inner) : this.schema(at, inner);
    }
    return schema;
  }

  listType(path: string, list: ListOf): string {
    return `list<${this.objectType(`${path}_item`, list.item)}>`;
  }

  private objectType(name: string, shape: ObjectShape): string {
    const fields: Record<string, string> = {};
    for (const [member, inner] of Object.entries(shape)) {
      const at = `${name}_${member}`;
      fields[member] = typeof inner === 'string' ? celType(inner) : inner instanceof ListOf ? this.listType(at, inner) : this.objectType(at, inner);
    }
    // One class per type: the library tells the types of list items apart by their constructor.
    const ctor = class {
      constructor(value: Record<string, unknown>) {
        Object.assign(this, value);
      }
    };
    this.registered.push({ name, ctor, fields });
    return name;
  }

  /** Converts a plain value of `shape` so that every object inside a typed list is an instance of its type. */
  converter(shape: VariableShape, name: string): ItemConverter {
    // Types are looked up by the name the same path gave them when they were registered.
    const byName = new Map(this.registered.map((type) => [type.name, type.ctor]));
    const convert = (value: unknown, inner: VariableShape, path: string, inList: boolean): unknown => {
      if (typeof inner === 'string' || value === null || typeof value !== 'object') return value;
      if (inner instanceof ListOf) {
        if (!Array.isArray(value)) return value;
        return value.map((item) => convert(item, inner.item, `${path}_item`, true));
      }
      const members = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([member, v]) => [member, Object.hasOwn(inner, member) ? convert(v, inner[member]!, `${path}_${member}`, inList) : v]),
      );
      const ctor = inList ? byName.get(path) : undefined;
      return ctor ? new ctor(members) : members;
    };
    return (value) => convert(value, shape, name, false);
  }
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

/** A non-negative rational `num / den` (den > 0), exact: shares of an amount are compared without rounding. */
export interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * An amount that is a fixed share of one variable plus a constant: `share × variable + constant`.
 * `share` is the sum of the terms' factors before integer division rounds each term down.
 */
export interface FixedShare {
  readonly share: Fraction;
  readonly constant: bigint;
}

/**
 * Reads `expression` as a sum of integer literals and terms that multiply or divide `variable`
 * (`contract.amount`) by integer literals only (`contract.amount * 30 / 100`, `contract.amount / 2`,
 * `500000`; or of a deeper member, `contract.funds.activityFunds / 2`), and gives its share of the variable and its constant. Anything else (another variable,
 * a function, a literal inside a term, a division by a non-positive literal, a sum subtracted) gives
 * undefined: the amount depends on more than the variable. The constant is an upper bound: a term with
 * a division rounds down, which a subtraction turns into up to one fen more (counted in the constant).
 * A multiple of every divisor makes the terms exact, so a sum of such amounts with share 1 and a
 * positive constant, or with a share above 1, exceeds the variable for some value of it.
 */
export function fixedShareOf(expression: string, variable: string): FixedShare | undefined {
  let root: ASTNode;
  try {
    root = parse(expression).ast;
  } catch {
    return undefined;
  }
  // `contract.amount`, or a deeper member such as `contract.funds.activityFunds`: matched from its last name inwards.
  const names = variable.split('.');
  const isPath = (node: ASTNode, upTo: number): boolean => {
    if (upTo === 0) return node.op === 'id' && node.args === names[0];
    return node.op === '.' && node.args[1] === names[upTo] && isPath(node.args[0] as ASTNode, upTo - 1);
  };
  const isVariable = (node: ASTNode) => names.length > 1 && isPath(node, names.length - 1);
  const literal = (node: ASTNode): bigint | undefined => (node.op === 'value' && typeof node.args === 'bigint' ? node.args : undefined);
  const term = (node: ASTNode): Fraction | undefined => {
    if (isVariable(node)) return { num: 1n, den: 1n };
    if (node.op === '*') {
      const [left, right] = node.args as [ASTNode, ASTNode];
      const [inner, factor] = literal(right) !== undefined ? [term(left), literal(right)] : [term(right), literal(left)];
      return inner && factor !== undefined ? reduced(inner.num * factor, inner.den) : undefined;
    }
    if (node.op === '/') {
      const [left, right] = node.args as [ASTNode, ASTNode];
      const inner = term(left);
      const divisor = literal(right);
      return inner && divisor !== undefined && divisor > 0n ? reduced(inner.num, inner.den * divisor) : undefined;
    }
    return undefined;
  };
  const sum = (node: ASTNode): { share: Fraction; constant: bigint } | undefined => {
    const constant = literal(node);
    if (constant !== undefined) return { share: { num: 0n, den: 1n }, constant };
    if (node.op === '+' || node.op === '-') {
      const [leftNode, rightNode] = node.args as [ASTNode, ASTNode];
      // Subtracting a sum would turn its upper bound into a lower one: such an amount is left to run time.
      if (node.op === '-' && (rightNode.op === '+' || rightNode.op === '-')) return undefined;
      const [left, right] = [sum(leftNode), sum(rightNode)];
      if (!left || !right) return undefined;
      const sign = node.op === '+' ? 1n : -1n;
      // A share with a division rounds down, so subtracting it can take up to one fen less than the exact
      // share: `a - a * 70 / 100` pays ⌈30 % of a⌉. The constant is an upper bound, so it counts that fen.
      const roundedUp = node.op === '-' && right.share.den > 1n ? 1n : 0n;
      return {
        share: reduced(left.share.num * right.share.den + sign * right.share.num * left.share.den, left.share.den * right.share.den),
        constant: left.constant + sign * right.constant + roundedUp,
      };
    }
    const share = term(node);
    return share ? { share, constant: 0n } : undefined;
  };
  return sum(root);
}

function reduced(num: bigint, den: bigint): Fraction {
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
  const divisor = gcd(num, den) || 1n;
  return { num: num / divisor, den: den / divisor };
}
