import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { calendarRules } from '../../../src/definitions/calendars/calendar.rules.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import { type Diagnostic, formatDiagnostic } from '../../../src/definitions/diagnostics.js';
import { procedureRules } from '../../../src/definitions/procedure/procedure.rules.js';
import { supervisionRules } from '../../../src/definitions/supervision/supervision.rules.js';

/**
 * The corpus of broken definitions: each file is a whole definition with one deliberate mistake,
 * and its header says what the compiler must report, one line per diagnostic:
 *
 *   # expect: PF-REF-ROLE 53:17 role "treasury" is not declared
 *
 * (rule id, line:column of the reported position, a substring of the message). The list is
 * complete: a diagnostic the header does not name fails the case as surely as a missing one.
 *
 * A `# known-bug: …` line marks a case whose header states what the compiler should report but
 * currently does not; it runs as `it.failing`, so it turns red the day the bug is fixed (then
 * delete the known-bug line).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.join(here, 'corpus');
const fixture = path.join(here, 'fixtures', 'minimal-procedure.yaml');

interface Expectation {
  readonly ruleId: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

interface CorpusCase {
  readonly name: string;
  readonly text: string;
  readonly expected: readonly Expectation[];
  readonly knownBug?: string;
}

function readCase(name: string): CorpusCase {
  const text = readFileSync(path.join(corpusDir, name), 'utf8');
  const lines = text.split('\n');
  const header = lines.slice(0, lines.findIndex((line) => !line.startsWith('#')));
  const expected = header
    .filter((line) => line.startsWith('# expect:'))
    .map((line) => {
      const match = /^# expect: (PF-[A-Z0-9-]+) (\d+):(\d+) (.+)$/.exec(line);
      if (!match) throw new Error(`${name}: cannot read the expectation "${line}" (write: # expect: RULE-ID line:column message substring)`);
      return { ruleId: match[1]!, line: Number(match[2]), column: Number(match[3]), message: match[4]! };
    });
  const knownBug = header.find((line) => line.startsWith('# known-bug:'))?.slice('# known-bug:'.length).trim();
  return { name, text, expected, ...(knownBug ? { knownBug } : {}) };
}

const corpus = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map(readCase);

const key = (d: { ruleId: string; line: number; column: number }) => `${d.ruleId} ${d.line}:${d.column}`;

/** `steps[2].flow.nodes[0].role` → ['steps', 2, 'flow', 'nodes', 0, 'role']. */
function pathSegments(text: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const [, name, index] of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(index !== undefined ? Number(index) : name!);
  return segments;
}

/**
 * A diagnostic's path names a value of the document, or a property missing from a mapping of it
 * (which the compiler then reports at that mapping).
 */
function pathProblem(data: unknown, diagnosticPath: string): string | undefined {
  let value: unknown = data;
  const segments = pathSegments(diagnosticPath);
  for (const [index, segment] of segments.entries()) {
    const isLast = index === segments.length - 1;
    if (typeof segment === 'number') {
      if (!Array.isArray(value) || segment >= value.length) return `${diagnosticPath}: no list item ${segment} there`;
      value = value[segment];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${diagnosticPath}: "${segment}" is looked up in something that is not a mapping`;
      if (!(segment in value) && !isLast) return `${diagnosticPath}: "${segment}" does not exist`;
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return undefined;
}

function checkCase({ name, text, expected }: CorpusCase): void {
  expect(expected.length).toBeGreaterThan(0);
  const result = compileDefinition(text, name);
  expect(result.ok).toBe(false);
  const diagnostics: readonly Diagnostic[] = result.diagnostics;

  // The complete list: the same rule ids at the same positions, nothing missing, nothing extra.
  expect(diagnostics.map(key).sort()).toEqual(expected.map(key).sort());

  // Every expected message, each matched to its own diagnostic.
  const unmatched = [...diagnostics];
  for (const expectation of expected) {
    const at = unmatched.findIndex((d) => key(d) === key(expectation) && d.message.includes(expectation.message));
    if (at < 0) throw new Error(`${name}: no ${key(expectation)} diagnostic says "${expectation.message}"; got:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
    unmatched.splice(at, 1);
  }

  const lines = text.split('\n').length;
  const data: unknown = diagnostics.some((d) => d.path !== '') ? parse(text, { version: '1.2' }) : undefined;
  for (const diagnostic of diagnostics) {
    expect(diagnostic.file).toBe(name);
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.message.trim()).not.toBe('');
    expect(diagnostic.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.line).toBeLessThanOrEqual(lines + 1);
    expect(diagnostic.column).toBeGreaterThanOrEqual(1);
    // The path is the document root ('') or names a place in the document.
    expect(typeof diagnostic.path).toBe('string');
    if (diagnostic.path !== '') expect(pathProblem(data, diagnostic.path)).toBeUndefined();
  }
}

describe('the corpus of broken definitions', () => {
  const working = corpus.filter((c) => !c.knownBug);
  const knownBugs = corpus.filter((c) => c.knownBug);

  it('holds enough cases, each with at least one expectation', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(36);
    for (const c of corpus) expect([c.name, c.expected.length > 0]).toEqual([c.name, true]);
  });

  it.each(working.map((c) => [c.name, c] as const))('%s is rejected with exactly the diagnostics of its header', (_name, c) => {
    checkCase(c);
  });

  if (knownBugs.length > 0) {
    it.failing.each(knownBugs.map((c) => [c.name, c.knownBug, c] as const))('%s (known bug: %s)', (_name, _bug, c) => {
      checkCase(c);
    });
  }

  it('has a case for every rule of every kind, and for the compiler-level rules', () => {
    const covered = new Set(working.flatMap((c) => c.expected.map((e) => e.ruleId)));
    // PF-LIMIT-SIZE needs a file of a quarter of a million characters: test/unit/definitions/source has its case.
    const rules = [
      'PF-YAML',
      'PF-LIMIT-ALIASES',
      'PF-LIMIT-DEPTH',
      'PF-KIND',
      'PF-SCHEMA',
      ...procedureRules.map((rule) => rule.id),
      ...calendarRules.map((rule) => rule.id),
      ...supervisionRules.map((rule) => rule.id),
    ];
    expect(rules.filter((id) => !covered.has(id))).toEqual([]);
  });

  it('starts every procedure case from a definition that compiles: the minimal fixture', () => {
    const result = compileDefinition(readFileSync(fixture, 'utf8'), 'minimal-procedure.yaml');
    expect(result.ok ? [] : result.diagnostics.map(formatDiagnostic)).toEqual([]);
  });
});

describe('compileDefinition on the valid minimal procedure', () => {
  const text = readFileSync(fixture, 'utf8');

  it('returns a compiled, deeply frozen definition with a stable content hash', () => {
    const result = compileDefinition(text, 'minimal-procedure.yaml');
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    expect(result.diagnostics).toEqual([]);
    const { compiled } = result;
    expect(compiled.kind).toBe('Procedure');
    expect(compiled.key).toBe('test-county-community-correction');
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(Object.isFrozen(compiled.definition)).toBe(true);
    if (compiled.kind !== 'Procedure') throw new Error('not a procedure');
    const definition = compiled.definition;
    expect(Object.isFrozen(definition.steps)).toBe(true);
    expect(Object.isFrozen(definition.steps[0]!.flow.nodes[0])).toBe(true);
    expect(Object.isFrozen(definition.roles[0]!.title)).toBe(true);
    // Defaults are filled in before hashing: a task without `form` gets an empty, frozen one.
    const signContract = definition.steps[3]!.flow.nodes[0]!;
    expect(signContract.type === 'task' && signContract.form).toEqual([]);
    expect(() => {
      (definition.roles as unknown as unknown[]).push({});
    }).toThrow(TypeError);
    // Change this literal only when the fixture (or the canonical form) changes on purpose.
    expect(compiled.contentHash).toBe('ee802616adb209723ae70873c68fe62e859c5701d44fe07635799e3938c15438');
  });

  it('gives the same content hash for the same content in another file, and a different one for other content', () => {
    const first = compileDefinition(text, 'a.yaml');
    const second = compileDefinition(`# another comment\n${text.replace(/\n/g, '\n\n')}`, 'b.yaml');
    const third = compileDefinition(text.replace('dueDay: 25', 'dueDay: 24'), 'c.yaml');
    if (!first.ok || !second.ok || !third.ok) throw new Error('the fixture variants must compile');
    expect(second.compiled.contentHash).toBe(first.compiled.contentHash);
    expect(third.compiled.contentHash).not.toBe(first.compiled.contentHash);
  });
});
