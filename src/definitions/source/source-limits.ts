import type { CST } from 'yaml';

/**
 * How large and how intricate a definition file may be. Every limit is checked on the text or on the
 * parser's token tree, before any value is built or any alias expanded, so that an oversized or
 * hostile file costs time in proportion to its length and is refused with a located diagnostic.
 * The shipped definitions stay far below each limit (the largest has about 53,000 characters, nests
 * 11 levels deep and uses no alias).
 */
export const DEFINITION_LIMITS = {
  /** Characters in one file (rule PF-LIMIT-SIZE). */
  maxLength: 250_000,
  /** Mappings and lists nested inside each other (rule PF-LIMIT-DEPTH). */
  maxDepth: 40,
  /** Aliases (`*name`) in one file (rule PF-LIMIT-ALIASES). */
  maxAliases: 100,
  /** Values that aliases repeat, counted as if each alias were written out in full (rule PF-LIMIT-ALIASES). */
  maxAliasedValues: 10_000,
} as const;

/** Where a limit is first exceeded, as a character offset into the text, and what to tell the author. */
export interface LimitBreach {
  readonly ruleId: 'PF-LIMIT-SIZE' | 'PF-LIMIT-DEPTH' | 'PF-LIMIT-ALIASES';
  readonly offset: number;
  readonly message: string;
}

/** The size limit, checked on the raw text before it is parsed at all. */
export function checkLength(text: string): LimitBreach | undefined {
  if (text.length <= DEFINITION_LIMITS.maxLength) return undefined;
  return {
    ruleId: 'PF-LIMIT-SIZE',
    offset: DEFINITION_LIMITS.maxLength,
    message:
      `the file has ${formatCount(text.length)} characters; a definition may have at most ${formatCount(DEFINITION_LIMITS.maxLength)}, ` +
      'and this is where it goes past that. Split it into several definitions or remove what is not needed (long comments, repeated text)',
  };
}

const COLLECTION_TOKENS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);
/** The properties of a token (or of a collection's item) that hold further tokens, in document order. */
const TOKEN_CHILDREN = ['start', 'props', 'key', 'sep', 'value', 'items', 'end'] as const;

/**
 * Nesting depth and the number of aliases, checked on the parser's token tree (which the parser
 * builds without recursion, so any depth is safe to read). The tree is walked once, in document
 * order, without recursion; each breach is reported where it first occurs.
 */
export function checkTokens(tokens: readonly CST.Token[]): LimitBreach[] {
  let tooDeep: LimitBreach | undefined;
  let tooManyAliases: LimitBreach | undefined;
  let aliases = 0;
  // Children are pushed in reverse so that they are popped, and so counted, in document order.
  const stack: Array<{ readonly item: unknown; readonly depth: number }> = [];
  for (let i = tokens.length - 1; i >= 0; i--) stack.push({ item: tokens[i], depth: 0 });
  while (stack.length > 0 && !(tooDeep && tooManyAliases)) {
    const { item, depth } = stack.pop()!;
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push({ item: item[i], depth });
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    const token = item as { type?: unknown; offset?: unknown };
    const offset = typeof token.offset === 'number' ? token.offset : 0;
    let inner = depth;
    if (typeof token.type === 'string' && COLLECTION_TOKENS.has(token.type)) {
      inner = depth + 1;
      if (inner > DEFINITION_LIMITS.maxDepth && !tooDeep) {
        tooDeep = {
          ruleId: 'PF-LIMIT-DEPTH',
          offset,
          message:
            `mappings and lists are nested more than ${DEFINITION_LIMITS.maxDepth} levels deep here; ` +
            'a definition never needs that many: check the brackets and the indentation',
        };
      }
    } else if (token.type === 'alias') {
      aliases += 1;
      if (aliases > DEFINITION_LIMITS.maxAliases && !tooManyAliases) {
        tooManyAliases = {
          ruleId: 'PF-LIMIT-ALIASES',
          offset,
          message:
            `this is alias number ${DEFINITION_LIMITS.maxAliases + 1} (*name) in the file; a definition may use at most ${DEFINITION_LIMITS.maxAliases}. ` +
            'Write the values out instead of referring to an anchor (&name)',
        };
      }
    }
    for (let i = TOKEN_CHILDREN.length - 1; i >= 0; i--) {
      const child = (item as Record<string, unknown>)[TOKEN_CHILDREN[i]!];
      if (child !== undefined && child !== null && typeof child === 'object') stack.push({ item: child, depth: inner });
    }
  }
  return [tooDeep, tooManyAliases].filter((breach): breach is LimitBreach => breach !== undefined);
}

/** The message for aliases that repeat too much: checked while values are built, before any is used. */
export function aliasedValuesMessage(): string {
  return (
    `the aliases (*name) in this file repeat more than ${formatCount(DEFINITION_LIMITS.maxAliasedValues)} values in all, counting each alias as if ` +
    'its anchor were written out there; write the values out instead, or refer to smaller anchors'
  );
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
