import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node as YamlNode } from 'yaml';
import { type Diagnostic, type DocumentPath, formatPath } from '../diagnostics.js';

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

/** Parses YAML keeping source positions. Syntax errors come back as diagnostics, never as exceptions. */
export function parseYamlSource(text: string, file: string): { source: SourceDocument; diagnostics: Diagnostic[] } {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true, version: '1.2' });
  // Positions are computed from the text itself: the parser's own line counter can lose a line break
  // while it recovers from a syntax error.
  const position = positionsOf(text);

  const diagnostics: Diagnostic[] = [];
  const syntaxErrors = [...document.errors, ...document.warnings];
  const cascade = syntaxErrors.length > MAX_SYNTAX_DIAGNOSTICS;
  for (const error of cascade ? syntaxErrors.slice(0, 1) : syntaxErrors) {
    diagnostics.push({ ruleId: 'PF-YAML', message: `YAML syntax: ${firstLine(error.message)}`, file, ...position(error.pos[0]), path: '', severity: 'error' });
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
  if (document.errors.length === 0) {
    // An alias to an anchor that does not exist is only found when the document is converted.
    visit(document, {
      Alias(_, alias) {
        if (!alias.resolve(document) && alias.range) {
          diagnostics.push({ ruleId: 'PF-YAML', message: `YAML: Unresolved alias *${alias.source}: no anchor &${alias.source} comes before it`, file, ...position(alias.range[0]), path: '', severity: 'error' });
        }
      },
    });
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

  let data: unknown;
  if (diagnostics.length === 0) {
    try {
      data = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      diagnostics.push({ ruleId: 'PF-YAML', message: `YAML: ${firstLine((error as Error).message)}`, file, line: 1, column: 1, path: '', severity: 'error' });
    }
  }

  const source: SourceDocument = {
    file,
    text,
    data,
    locate,
    at: (path, ruleId, message, offsetInValue) => ({ ruleId, message, file, ...locate(path, offsetInValue), path: formatPath(path), severity: 'error' }),
  };
  return { source, diagnostics };
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
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment);
    return pair && isPair(pair) ? { value: pair.value, keyNode: pair.key } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function hasRange(node: unknown): node is YamlNode & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray((node as { range: unknown }).range);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
