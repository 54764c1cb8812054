import { isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { aliasedValuesMessage, DEFINITION_LIMITS } from './source-limits.js';

/** A problem found while building the data, at a character offset of the text. */
export interface DataProblem {
  readonly ruleId: 'PF-YAML' | 'PF-LIMIT-ALIASES';
  readonly offset: number;
  readonly message: string;
}

/** An anchor (&name) seen so far: open while the value it marks is still being built. */
interface Anchored {
  open: boolean;
  value: unknown;
  /** Values in the anchored value, counting those its own aliases repeat. */
  size: number;
}

/**
 * Turns a composed YAML document into plain JSON-compatible data in one pass, in time proportional
 * to the document: each alias is looked up in a table of the anchors seen so far (instead of
 * searching the document for its anchor, which made many aliases cost the square of their number),
 * and its value is shared, not copied. How many values the aliases repeat is counted as they are met
 * and limited (DEFINITION_LIMITS.maxAliasedValues), so later stages, which walk every repetition,
 * stay proportional to the file too. It also finds what the parser is not asked to check, since its
 * own check is quadratic in the size of a mapping: a key given twice in one mapping, and a key that
 * is not a plain value. Aliases to a missing anchor, or to the value that contains them, are
 * reported. The data is returned only when nothing was found.
 *
 * Assumes nesting depth was limited beforehand (checkTokens): it recurses once per level.
 */
export function buildData(contents: unknown): { data: unknown; problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  const anchors = new Map<string, Anchored>();
  let aliasedValues = 0;
  let aliasLimitReported = false;

  const build = (node: unknown): { value: unknown; size: number } => {
    if (node === null || node === undefined) return { value: null, size: 1 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const offset = startOf(node);
      if (!target) {
        problems.push({ ruleId: 'PF-YAML', offset, message: `YAML: Unresolved alias *${node.source}: no anchor &${node.source} comes before it` });
        return { value: null, size: 1 };
      }
      if (target.open) {
        problems.push({
          ruleId: 'PF-YAML',
          offset,
          message: `YAML: the alias *${node.source} stands inside the value its anchor &${node.source} marks, so that value would contain itself without end; refer to an anchor outside it`,
        });
        return { value: null, size: 1 };
      }
      aliasedValues += target.size;
      if (aliasedValues > DEFINITION_LIMITS.maxAliasedValues && !aliasLimitReported) {
        aliasLimitReported = true;
        problems.push({ ruleId: 'PF-LIMIT-ALIASES', offset, message: aliasedValuesMessage() });
      }
      return { value: target.value, size: target.size };
    }

    const anchorName = (node as { anchor?: unknown }).anchor;
    let anchored: Anchored | undefined;
    if (typeof anchorName === 'string' && anchorName !== '') {
      // A later anchor of the same name (even one inside this value) replaces this one for the
      // aliases after it, as YAML says: the entry is completed in place, never re-registered.
      anchored = { open: true, value: null, size: 1 };
      anchors.set(anchorName, anchored);
    }
    const built = buildNode(node);
    if (anchored) {
      anchored.open = false;
      anchored.value = built.value;
      anchored.size = built.size;
    }
    return built;
  };

  const buildNode = (node: unknown): { value: unknown; size: number } => {
    if (isScalar(node)) {
      const value = node.value;
      return { value: typeof value === 'bigint' ? Number(value) : value, size: 1 };
    }
    if (isSeq(node)) {
      const list: unknown[] = [];
      let size = 1;
      for (const item of node.items) {
        const built = build(item);
        list.push(built.value);
        size += built.size;
      }
      return { value: list, size };
    }
    if (isMap(node)) {
      const record: Record<string, unknown> = {};
      const firstKeys = new Map<string, unknown>();
      let size = 1;
      for (const pair of node.items) {
        const keyNode = pair.key as unknown;
        let key: string;
        if (keyNode === null || keyNode === undefined) key = '';
        else if (isScalar(keyNode)) key = keyNode.value === null ? '' : String(keyNode.value);
        else {
          problems.push({ ruleId: 'PF-YAML', offset: startOf(keyNode), message: 'YAML: a key must be a plain value such as a word, not a list, a mapping or an alias' });
          continue;
        }
        const first = firstKeys.get(key);
        if (first !== undefined) {
          problems.push({
            ruleId: 'PF-YAML',
            offset: startOf(keyNode, startOf(pair.value)),
            message: `YAML syntax: Map keys must be unique: "${key}" is given twice in this mapping; keep one`,
          });
          continue;
        }
        firstKeys.set(key, keyNode);
        const built = build(pair.value);
        size += built.size;
        // defineProperty, not assignment: a key named __proto__ is data, never the object's prototype.
        Object.defineProperty(record, key, { value: built.value, writable: true, enumerable: true, configurable: true });
      }
      return { value: record, size };
    }
    throw new Error(`unexpected YAML node ${String((node as { constructor?: { name?: string } }).constructor?.name)}`);
  };

  const { value } = build(contents);
  return { data: problems.length === 0 ? value : undefined, problems };
}

function startOf(node: unknown, fallback = 0): number {
  const range = (node as YamlNode | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : fallback;
}
