import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
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

/** Parses YAML keeping source positions. Syntax errors come back as diagnostics, never as exceptions. */
export function parseYamlSource(text: string, file: string): { source: SourceDocument; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true, version: '1.2' });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const diagnostics: Diagnostic[] = [];
  for (const error of [...document.errors, ...document.warnings]) {
    const { line, column } = position(error.pos[0]);
    diagnostics.push({
      ruleId: 'PF-YAML',
      message: `YAML syntax: ${firstLine(error.message)}`,
      file,
      line,
      column,
      path: '',
      severity: 'error',
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
      if (!raw.includes('\n')) {
        const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
        return { line: best.line, column: best.column + (quoted ? 1 : 0) + offsetInValue };
      }
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
  if (document.errors.length === 0) {
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
