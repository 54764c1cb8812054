import type { CST } from 'yaml';

/**
 * A bracket or quote the text opens and never closes. The parser notices only where it can go no
 * further, often lines later (an unclosed `[` on line 7 fails at line 11); the author erred here.
 */
export interface UnclosedConstruct {
  /** What was opened: `[`, `{`, `"` or `'`. */
  readonly opener: '[' | '{' | '"' | "'";
  /** Offset of the opening character. */
  readonly start: number;
  /** Offset just past the last character the parser took into the construct. */
  readonly end: number;
}

/**
 * Every unclosed flow collection and quoted scalar of the parser's token tree, in document order.
 * Guarantees: time proportional to the tokens times the nesting depth (limited beforehand by
 * checkTokens), since only an unclosed construct's extent is measured.
 */
export function unclosedConstructs(tokens: readonly CST.Token[]): UnclosedConstruct[] {
  const found: UnclosedConstruct[] = [];
  for (const token of walk(tokens)) {
    if (token.type === 'flow-collection') {
      const collection = token as CST.FlowCollection;
      const closer = collection.start.source === '[' ? 'flow-seq-end' : 'flow-map-end';
      if (!collection.end.some((t) => t.type === closer)) {
        found.push({ opener: collection.start.source === '[' ? '[' : '{', start: collection.start.offset, end: extentEnd(collection) });
      }
    } else if (token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') {
      const scalar = token as CST.FlowScalar;
      const closed = token.type === 'double-quoted-scalar' ? /^"(?:[^"\\]|\\[\s\S])*"$/ : /^'(?:[^']|'')*'$/;
      if (!closed.test(scalar.source)) {
        found.push({ opener: token.type === 'double-quoted-scalar' ? '"' : "'", start: scalar.offset, end: scalar.offset + scalar.source.length });
      }
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * The construct a syntax error at `offset` follows from: the innermost unclosed construct that
 * opened before it and that the parser was still inside (or had just left) when it failed.
 */
export function constructBehind(constructs: readonly UnclosedConstruct[], offset: number): UnclosedConstruct | undefined {
  let behind: UnclosedConstruct | undefined;
  for (const construct of constructs) {
    if (construct.start >= offset) break;
    // A construct's tokens may end with the line break or spaces before the point of failure.
    if (offset <= construct.end + 1) behind = construct;
  }
  return behind;
}

type TokenLike = { readonly type?: unknown; readonly offset?: unknown; readonly source?: unknown };

/** Every token object under `root` (collections, their items' keys and values, source tokens). */
function* walk(root: unknown): Generator<TokenLike> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    const token = item as TokenLike & Record<string, unknown>;
    if (typeof token.type === 'string') yield token;
    for (const key of ['end', 'value', 'sep', 'key', 'items', 'start', 'props']) {
      const child = token[key];
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
}

function extentEnd(root: unknown): number {
  let end = 0;
  for (const token of walk(root)) {
    if (typeof token.offset === 'number' && typeof token.source === 'string') end = Math.max(end, token.offset + token.source.length);
  }
  return end;
}
