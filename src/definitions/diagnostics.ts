/**
 * A problem found in a definition file, located precisely enough for a civil servant to fix it:
 * file, line and column (1-based), the path of the offending value, and the id of the rule it breaks.
 */
export interface Diagnostic {
  /** The rule that found the problem, e.g. `PF-SCHEMA`, `PF-REF-ROLE`; documented in definitions/README.md. */
  readonly ruleId: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Path of the value inside the document, e.g. `steps[2].flow.nodes[0].role`. */
  readonly path: string;
  readonly severity: 'error';
}

/** Renders a diagnostic the way compilers do: `file:line:column  rule  message  (at path)`. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = diagnostic.path ? ` (at ${diagnostic.path})` : '';
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}  ${diagnostic.ruleId}  ${diagnostic.message}${where}`;
}

/** Orders diagnostics by position in the file, so they read top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
}

/** A path into a parsed document: property names and array indexes. */
export type DocumentPath = ReadonlyArray<string | number>;

export function formatPath(path: DocumentPath): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out ? `.${segment}` : segment;
  return out;
}
