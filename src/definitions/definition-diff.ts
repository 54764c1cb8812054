import { type DocumentPath, formatPath } from './diagnostics.js';

/**
 * Structural differences between two versions of a definition, for reviewers deciding whether to
 * deploy and for the `definitions diff` command.
 */
export type DefinitionChangeKind = 'added' | 'removed' | 'changed';

export interface DefinitionChange {
  readonly kind: DefinitionChangeKind;
  /** Where, written like diagnostic paths: `steps[2].flow.nodes[0].role`; '' is the whole document. */
  readonly path: string;
  /** The old value; absent when `kind` is `added`. */
  readonly before?: unknown;
  /** The new value; absent when `kind` is `removed`. */
  readonly after?: unknown;
}

/**
 * Lists what changed from `before` to `after`, two JSON-compatible values (compiled definitions).
 * Guarantees: pure and deterministic; an empty list exactly when the two are deeply equal (object key
 * order and `undefined`-valued properties do not count); each change is reported at the deepest path
 * where the two differ — a property or array element present on one side only is one `added` or
 * `removed` entry carrying its whole value, and a value whose type changed (object, array, scalar) is
 * one `changed` entry. Within each object or array, changes follow the order of `after`, and removals
 * come last.
 *
 * Arrays whose elements are all objects with distinct string `id`s (steps, nodes, fields, roles) are
 * matched by id, so inserting an element reports one addition rather than a change to every later
 * element; paths use the element's index in the version it is found in (`after` for additions and
 * changes, `before` for removals). If matched elements changed order, one `changed` entry at
 * `<array>.order` gives the ids before and after. Other arrays are compared index by index.
 */
export function diffDefinitions(before: unknown, after: unknown): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  compare(before, after, [], changes);
  return changes;
}

function compare(before: unknown, after: unknown, path: DocumentPath, changes: DefinitionChange[]): void {
  const beforeShape = shapeOf(before);
  if (beforeShape !== shapeOf(after)) {
    changes.push({ kind: 'changed', path: formatPath(path), before, after });
    return;
  }
  if (beforeShape === 'array') {
    compareArrays(before as unknown[], after as unknown[], path, changes);
  } else if (beforeShape === 'object') {
    compareObjects(before as Record<string, unknown>, after as Record<string, unknown>, path, changes);
  } else if (before !== after) {
    changes.push({ kind: 'changed', path: formatPath(path), before, after });
  }
}

function compareObjects(before: Record<string, unknown>, after: Record<string, unknown>, path: DocumentPath, changes: DefinitionChange[]): void {
  const removed: DefinitionChange[] = [];
  for (const key of definedKeys(after)) {
    if (!hasDefined(before, key)) changes.push({ kind: 'added', path: formatPath([...path, key]), after: after[key] });
    else compare(before[key], after[key], [...path, key], changes);
  }
  for (const key of definedKeys(before)) {
    if (!hasDefined(after, key)) removed.push({ kind: 'removed', path: formatPath([...path, key]), before: before[key] });
  }
  changes.push(...removed);
}

function compareArrays(before: unknown[], after: unknown[], path: DocumentPath, changes: DefinitionChange[]): void {
  const beforeIds = elementIds(before);
  const afterIds = elementIds(after);
  if (beforeIds && afterIds) {
    compareKeyedArrays(before, beforeIds, after, afterIds, path, changes);
    return;
  }
  const common = Math.min(before.length, after.length);
  for (let index = 0; index < common; index++) compare(before[index], after[index], [...path, index], changes);
  for (let index = common; index < after.length; index++) changes.push({ kind: 'added', path: formatPath([...path, index]), after: after[index] });
  for (let index = common; index < before.length; index++) changes.push({ kind: 'removed', path: formatPath([...path, index]), before: before[index] });
}

function compareKeyedArrays(
  before: unknown[],
  beforeIds: string[],
  after: unknown[],
  afterIds: string[],
  path: DocumentPath,
  changes: DefinitionChange[],
): void {
  const beforeIndex = new Map(beforeIds.map((id, index) => [id, index]));
  const afterIndex = new Map(afterIds.map((id, index) => [id, index]));
  const keptBefore = beforeIds.filter((id) => afterIndex.has(id));
  const keptAfter = afterIds.filter((id) => beforeIndex.has(id));
  if (keptBefore.some((id, position) => keptAfter[position] !== id)) {
    changes.push({ kind: 'changed', path: formatPath([...path, 'order']), before: keptBefore, after: keptAfter });
  }
  afterIds.forEach((id, index) => {
    const previous = beforeIndex.get(id);
    if (previous === undefined) changes.push({ kind: 'added', path: formatPath([...path, index]), after: after[index] });
    else compare(before[previous], after[index], [...path, index], changes);
  });
  beforeIds.forEach((id, index) => {
    if (!afterIndex.has(id)) changes.push({ kind: 'removed', path: formatPath([...path, index]), before: before[index] });
  });
}

/** The elements' `id`s when every element is an object with a distinct string id; otherwise undefined. */
function elementIds(items: unknown[]): string[] | undefined {
  if (items.length === 0) return [];
  const ids: string[] = [];
  for (const item of items) {
    if (shapeOf(item) !== 'object') return undefined;
    const id = (item as Record<string, unknown>)['id'];
    if (typeof id !== 'string') return undefined;
    ids.push(id);
  }
  return new Set(ids).size === ids.length ? ids : undefined;
}

function shapeOf(value: unknown): 'array' | 'object' | 'scalar' {
  if (Array.isArray(value)) return 'array';
  return value !== null && typeof value === 'object' ? 'object' : 'scalar';
}

function definedKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}

function hasDefined(value: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(value, key) && value[key] !== undefined;
}
