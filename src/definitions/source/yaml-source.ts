import { Composer, type CST, type Document, isMap, isPair, isScalar, isSeq, type Node as YamlNode, type Pair, Parser, YAMLParseError } from 'yaml';
import { type Diagnostic, type DocumentPath, formatPath } from '../diagnostics.js';
import { checkLength, checkTokens } from './source-limits.js';
import { constructBehind, unclosedConstructs } from './unclosed-constructs.js';
import { buildData } from './yaml-data.js';

/**
 * A YAML definition file parsed into plain data, remembering where every value came from so that
 * any later stage can report a problem at its exact line and column.
 */
export interface SourceDocument {
  readonly file: string;
  readonly text: string;
  /** The document as plain JSON-compatible data (undefined when the YAML could not be parsed). */
  readonly data: unknown;
  /**
   * A diagnostic at `path`: at the value itself, or, when the path does not exist (a missing
   * property), at the nearest enclosing value that does.
   */
  at(path: DocumentPath, ruleId: string, message: string, offsetInValue?: number): Diagnostic;
  /**
   * Where `path` starts, or its nearest existing ancestor. With `offsetInValue`, the position of that
   * character inside a one-line scalar (used to point into an expression).
   */
  locate(path: DocumentPath, offsetInValue?: number): { line: number; column: number };
}

/**
 * After one syntax error the parser's recovery can report every following token. Up to this many
 * errors are each reported; beyond, only the first is, with one line counting the rest, since the
 * first is what a person can act on and the others usually follow from it.
 */
const MAX_SYNTAX_DIAGNOSTICS = 3;

/** How a diagnostic names what was opened: the author may not know YAML's terms (flow sequence, flow mapping). */
const OPENER_NAMES = { '[': 'list "["', '{': 'mapping "{"', '"': 'quoted text (")', "'": "quoted text (')" } as const;

/**
 * Parses YAML keeping source positions. Syntax errors and exceeded limits come back as diagnostics,
 * never as exceptions.
 * Guarantees: the time taken is proportional to the length of the text. The size limit is checked
 * before parsing, the nesting depth and the number of aliases on the parser's token tree before any
 * value is built (see DEFINITION_LIMITS), and the values aliases repeat while the data is built,
 * before any later stage walks it.
 */
export function parseYamlSource(text: string, file: string): { source: SourceDocument; diagnostics: Diagnostic[] } {
  // Positions are computed from the text itself: the parser's own line counter can lose a line break
  // while it recovers from a syntax error.
  const position = positionsOf(text);
  const located = (ruleId: string, offset: number, message: string): Diagnostic => ({ ruleId, message, file, ...position(offset), path: '', severity: 'error' });
  const refused = (diagnostics: Diagnostic[]) => ({ source: unparsedSource(text, file), diagnostics });

  const tooLong = checkLength(text);
  if (tooLong) return refused([located(tooLong.ruleId, tooLong.offset, tooLong.message)]);

  const tokens = Array.from(new Parser().parse(text));
  const breaches = checkTokens(tokens);
  if (breaches.length > 0) return refused(breaches.map((breach) => located(breach.ruleId, breach.offset, breach.message)));

  const document = composeOne(tokens, text.length);
  const diagnostics: Diagnostic[] = [];
  const syntaxErrors = [...document.errors, ...document.warnings];
  const cascade = syntaxErrors.length > MAX_SYNTAX_DIAGNOSTICS;
  const unclosed = syntaxErrors.length > 0 ? unclosedConstructs(tokens) : [];
  for (const error of cascade ? syntaxErrors.slice(0, 1) : syntaxErrors) {
    // The author erred where a bracket or quote was opened, not where the parser gave up.
    const opened = constructBehind(unclosed, error.pos[0]);
    if (opened) {
      const failed = position(error.pos[0]);
      const message = `YAML syntax: the ${OPENER_NAMES[opened.opener]} opened here is not closed before line ${failed.line}, column ${failed.column}, where parsing failed: ${firstLine(error.message)}`;
      diagnostics.push(located('PF-YAML', opened.start, message));
    } else diagnostics.push(located('PF-YAML', error.pos[0], `YAML syntax: ${firstLine(error.message)}`));
  }
  if (cascade) {
    const first = diagnostics[0];
    diagnostics.push({
      ruleId: 'PF-YAML',
      message: `${syntaxErrors.length - 1} further YAML syntax errors follow from this one; fix it first`,
      file,
      line: first?.line ?? 1,
      column: first?.column ?? 1,
      path: '',
      severity: 'error',
    });
  }

  let data: unknown;
  if (document.errors.length === 0) {
    // Aliases are resolved, and duplicate keys found, only on a document that parsed.
    const built = buildData(document.contents);
    diagnostics.push(...built.problems.map((problem) => located(problem.ruleId, problem.offset, problem.message)));
    if (diagnostics.length === 0) data = built.data;
  }

  const locate = (path: DocumentPath, offsetInValue?: number): { line: number; column: number } => {
    let node: unknown = document.contents;
    let best: { line: number; column: number } = node && hasRange(node) ? position(node.range[0]) : { line: 1, column: 1 };
    for (const segment of path) {
      const child = childOf(node, segment);
      if (!child) break;
      if (child.keyNode && hasRange(child.keyNode) && child.value === null) best = position(child.keyNode.range[0]);
      node = child.value;
      if (node && hasRange(node)) best = position(node.range[0]);
      else if (child.keyNode && hasRange(child.keyNode)) best = position(child.keyNode.range[0]);
    }
    if (offsetInValue !== undefined && isScalar(node) && hasRange(node) && node === nodeAt(path)) {
      const raw = text.slice(node.range[0], node.range[1]);
      if (!raw.includes('\n')) return { line: best.line, column: best.column + rawOffset(raw, node.type, offsetInValue) };
    }
    return best;
  };

  const nodeAt = (path: DocumentPath): unknown => {
    let node: unknown = document.contents;
    for (const segment of path) {
      const child = childOf(node, segment);
      if (!child) return undefined;
      node = child.value;
    }
    return node;
  };

  const source: SourceDocument = {
    file,
    text,
    data,
    locate,
    at: (path, ruleId, message, offsetInValue) => ({ ruleId, message, file, ...locate(path, offsetInValue), path: formatPath(path), severity: 'error' }),
  };
  return { source, diagnostics };
}

/**
 * The one document of a definition file, composed from the parser's tokens as yaml's parseDocument
 * would, except that duplicate keys are left to buildData (the parser's own check is quadratic).
 */
function composeOne(tokens: readonly CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: false, strict: true, version: '1.2' });
  let document: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!document) {
      document = next;
      continue;
    }
    document.errors.push(
      new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'a second YAML document starts here (after a line "---"); a definition file holds one document'),
    );
    break;
  }
  // compose(…, forceDoc = true) always yields a document, an empty one for an empty text.
  if (!document) throw new Error('the YAML composer produced no document');
  return document;
}

/** What later stages see of a file refused before it was parsed: no data, every position at its start. */
function unparsedSource(text: string, file: string): SourceDocument {
  return {
    file,
    text,
    data: undefined,
    locate: () => ({ line: 1, column: 1 }),
    at: (path, ruleId, message) => ({ ruleId, message, file, line: 1, column: 1, path: formatPath(path), severity: 'error' }),
  };
}

/** 1-based line and column of a character offset, from the text's own line breaks. */
function positionsOf(text: string): (offset: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

/**
 * Where the `valueOffset`-th character of a scalar's value sits in its source text: past the opening
 * quote, counting an escape sequence (`\"`, `\n`, `\u4e2d`) or a doubled single quote as one character.
 */
function rawOffset(raw: string, type: unknown, valueOffset: number): number {
  if (type !== 'QUOTE_DOUBLE' && type !== 'QUOTE_SINGLE') return valueOffset;
  let position = 1;
  for (let seen = 0; seen < valueOffset && position < raw.length - 1; seen++) {
    if (type === 'QUOTE_SINGLE') position += raw.startsWith("''", position) ? 2 : 1;
    else if (raw[position] === '\\') position += escapeLength(raw[position + 1]);
    else position += 1;
  }
  return position;
}

function escapeLength(code: string | undefined): number {
  if (code === 'x') return 4;
  if (code === 'u') return 6;
  if (code === 'U') return 10;
  return 2;
}

function childOf(node: unknown, segment: string | number): { value: unknown; keyNode?: unknown } | undefined {
  if (isMap(node) && typeof segment === 'string') {
    const pair = keyIndexOf(node).get(segment);
    return pair ? { value: pair.value, keyNode: pair.key } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

/**
 * Each mapping's pairs by key, built on first use: locating many diagnostics in one large mapping
 * then costs one pass over it, not one per diagnostic.
 */
const keyIndexes = new WeakMap<object, Map<string, Pair<unknown, unknown>>>();

function keyIndexOf(map: { items: ReadonlyArray<unknown> }): Map<string, Pair<unknown, unknown>> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items) {
      if (isPair(item) && isScalar(item.key)) {
        const key = String(item.key.value);
        if (!index.has(key)) index.set(key, item);
      }
    }
    keyIndexes.set(map, index);
  }
  return index;
}

function hasRange(node: unknown): node is YamlNode & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray((node as { range: unknown }).range);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
