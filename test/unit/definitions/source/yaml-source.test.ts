import { parse } from 'yaml';
import { compileDefinition, MAX_DIAGNOSTICS_PER_FILE } from '../../../../src/definitions/compiler.js';
import type { Diagnostic } from '../../../../src/definitions/diagnostics.js';
import { DEFINITION_LIMITS } from '../../../../src/definitions/source/source-limits.js';
import { parseYamlSource } from '../../../../src/definitions/source/yaml-source.js';

/**
 * What the YAML stage makes of a file before any schema or rule sees it: the size, depth and alias
 * limits (each refusal located where the limit is crossed), aliases resolved as YAML says, keys
 * checked, and the same data as the yaml package's own conversion for everything it accepts.
 */

const FILE = 'definitions/attack.yaml';
const HEADER = 'apiVersion: procureflow.gov.cn/v1\nkind: Calendar\n';

function problems(text: string): Array<Pick<Diagnostic, 'ruleId' | 'line' | 'column'> & { message: string }> {
  return parseYamlSource(text, FILE).diagnostics.map(({ ruleId, line, column, message }) => ({ ruleId, line, column, message }));
}

function data(text: string): unknown {
  const { source, diagnostics } = parseYamlSource(text, FILE);
  expect(diagnostics).toEqual([]);
  return source.data;
}

describe('the limits of a definition file', () => {
  it('refuses 16,000 aliases at the first one past the limit, before building anything', () => {
    const text = `${HEADER}anchor: &a x\nlist:\n${'  - *a\n'.repeat(16_000)}`;
    const result = parseYamlSource(text, FILE);
    expect(result.source.data).toBeUndefined();
    // Alias number 101 is on line 4 + 101 (the list starts on line 5), after "  - ".
    expect(result.diagnostics).toEqual([
      {
        ruleId: 'PF-LIMIT-ALIASES',
        file: FILE,
        line: 4 + DEFINITION_LIMITS.maxAliases + 1,
        column: 5,
        path: '',
        severity: 'error',
        message: expect.stringContaining(`a definition may use at most ${DEFINITION_LIMITS.maxAliases}`),
      },
    ]);
  });

  it('accepts as many aliases as the limit allows', () => {
    const text = `${HEADER}anchor: &a x\nlist: [${Array(DEFINITION_LIMITS.maxAliases).fill('*a').join(', ')}]\n`;
    expect((data(text) as { list: string[] }).list).toHaveLength(DEFINITION_LIMITS.maxAliases);
  });

  it('refuses aliases that repeat too many values (nested anchors), at the alias that goes past the limit', () => {
    const ten = (item: string) => `[${Array(10).fill(item).join(', ')}]`;
    const text = `${HEADER}a: &a ${ten('x')}\nb: &b ${ten('*a')}\nc: &c ${ten('*b')}\nd: ${ten('*c')}\n`;
    // a holds 11 values, b 111, c 1,111; the aliases in b and c repeat 1,220 of them, so the
    // eighth *c (1,220 + 8 × 1,111) brings the total past 10,000.
    expect(problems(text)).toEqual([
      { ruleId: 'PF-LIMIT-ALIASES', line: 6, column: 'd: ['.length + 1 + 7 * '*c, '.length, message: expect.stringContaining('repeat more than 10,000 values') },
    ]);
  });

  it('refuses nesting deeper than the limit at the first collection too deep, even 100,000 levels deep', () => {
    // The top-level mapping is the first level, so the N-th bracket opens level N + 1.
    const deep = (brackets: number) => `${HEADER}a: ${'['.repeat(brackets)}${']'.repeat(brackets)}\n`;
    const at = 'a: '.length + DEFINITION_LIMITS.maxDepth;
    expect(problems(deep(100_000))).toEqual([{ ruleId: 'PF-LIMIT-DEPTH', line: 3, column: at, message: expect.stringContaining('more than 40 levels deep') }]);
    expect(problems(deep(DEFINITION_LIMITS.maxDepth - 1))).toEqual([]);
    // Line 3 + i opens level i + 1.
    const block = `${HEADER}${Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n')} x\n`;
    expect(problems(block)).toEqual([{ ruleId: 'PF-LIMIT-DEPTH', line: 3 + DEFINITION_LIMITS.maxDepth, column: 2 * DEFINITION_LIMITS.maxDepth + 1, message: expect.any(String) }]);
  });

  it('refuses a file over the size limit without parsing it, where it goes past the limit', () => {
    const line = `# ${'注'.repeat(97)}\n`; // 100 characters a line
    const text = `${HEADER}${line.repeat(DEFINITION_LIMITS.maxLength / 100)}`;
    expect(text.length).toBeGreaterThan(DEFINITION_LIMITS.maxLength);
    expect(problems(text)).toEqual([
      {
        ruleId: 'PF-LIMIT-SIZE',
        line: 3 + Math.floor((DEFINITION_LIMITS.maxLength - HEADER.length) / 100),
        column: ((DEFINITION_LIMITS.maxLength - HEADER.length) % 100) + 1,
        message: expect.stringContaining(`the file has ${text.length.toLocaleString('en-US')} characters; a definition may have at most 250,000`),
      },
    ]);
    expect(problems(text.slice(0, DEFINITION_LIMITS.maxLength))).toEqual([]);
  });

  it('reports every limit a file breaks, and the compiler reports them alone', () => {
    const text = `${HEADER}a: &a x\nb: [${Array(200).fill('*a').join(', ')}]\nc: ${'['.repeat(50)}${']'.repeat(50)}\n`;
    const result = compileDefinition(text, FILE);
    expect(result.ok ? [] : result.diagnostics.map((d) => d.ruleId)).toEqual(['PF-LIMIT-ALIASES', 'PF-LIMIT-DEPTH']);
  });
});

describe('aliases and keys', () => {
  it('resolves an alias to the nearest anchor of its name before it, as YAML says', () => {
    const text = `${HEADER}a: &x [1, &x 2, *x]\nb: *x\nc: &x 3\nd: *x\n`;
    expect(data(text)).toMatchObject({ a: [1, 2, 2], b: 2, c: 3, d: 3 });
    expect(data(text)).toEqual(parse(text, { version: '1.2' }));
  });

  it('refuses an alias inside the value its anchor marks, and one to no anchor', () => {
    expect(problems(`${HEADER}a: &a [1, *a]\nb: *nowhere\n`)).toEqual([
      { ruleId: 'PF-YAML', line: 3, column: 11, message: expect.stringContaining('would contain itself') },
      { ruleId: 'PF-YAML', line: 4, column: 4, message: 'YAML: Unresolved alias *nowhere: no anchor &nowhere comes before it' },
    ]);
  });

  it('refuses a key given twice, at the second, however large the mapping', () => {
    const keys = Array.from({ length: 15_000 }, (_, i) => `k${i}: ${i}`);
    const text = `${HEADER}${keys.join('\n')}\nk7: again\n`;
    expect(problems(text)).toEqual([{ ruleId: 'PF-YAML', line: 3 + keys.length, column: 1, message: expect.stringContaining('"k7" is given twice') }]);
    expect(problems(`${HEADER}m: { 1: a, "1": b }\n`)).toEqual([{ ruleId: 'PF-YAML', line: 3, column: 12, message: expect.stringContaining('"1" is given twice') }]);
  });

  it('refuses a key that is a list, a mapping or an alias', () => {
    expect(problems(`${HEADER}? [a, b]\n: 1\n`)).toEqual([{ ruleId: 'PF-YAML', line: 3, column: 3, message: expect.stringContaining('a key must be a plain value') }]);
  });

  it('keeps a key named __proto__ as data, never as the prototype', () => {
    const value = data(`${HEADER}__proto__: { polluted: true }\n`) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toContain('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('builds the same data as the yaml package for the shipped kinds of content', () => {
    const text = [
      HEADER.trimEnd(),
      'numbers: [1, -2, 3.5, 0x10, .inf, 1e3]',
      'plain: { yes: yes, on: on, "null": null, tilde: ~, empty: }',
      'quoted: ["a\\u4e2d", \'it\'\'s\', "multi\n  line"]',
      'block: |',
      '  line one',
      '  line two',
      'folded: >-',
      '  one',
      '  two',
      '? explicit',
      ': value',
      '',
    ].join('\n');
    expect(data(text)).toEqual(parse(text, { version: '1.2' }));
  });

  it('reports a second document in the file at its start', () => {
    expect(problems(`${HEADER}---\na: 1\n`)).toEqual([{ ruleId: 'PF-YAML', line: 3, column: 1, message: expect.stringContaining('a second YAML document starts here') }]);
  });
});

describe('a bracket or quote left open', () => {
  // Lines 1-2 are HEADER; the construct opens on line 7 and the parser gives up at line 11, column 1.
  const opened = (line7: string, continuation: string[]) => `${HEADER}a: 1\nb: 2\nc: 3\nd: 4\n${line7}\n${continuation.join('\n')}\ne: 5\n`;

  it('is reported where it was opened, the message saying where parsing failed', () => {
    const text = opened('roles: [one,', ['  two,', '  three,', '  four']);
    expect(text.split('\n')[6]).toBe('roles: [one,');
    expect(text.split('\n')[10]).toBe('e: 5');
    expect(problems(text)).toEqual([
      {
        ruleId: 'PF-YAML',
        line: 7,
        column: 8,
        message: 'YAML syntax: the list "[" opened here is not closed before line 11, column 1, where parsing failed: Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ]);
  });

  it('names the outer mapping left open, not an inner one that was closed', () => {
    const text = opened('title: { zh: { a: 1 }, en: x,', ['  f: 2,', '  g: 3,', '  h: 4']);
    expect(problems(text)).toEqual([
      { ruleId: 'PF-YAML', line: 7, column: 8, message: expect.stringMatching(/^YAML syntax: the mapping "\{" opened here is not closed before line 11, column 1, where parsing failed: /) },
    ]);
  });

  it('names an opening quote whose text runs to the end of the file', () => {
    // A quoted text may span lines, so "abc takes in lines 8 to 11 and the parser fails at the end of the text: line 12, column 1.
    const text = opened('title: "abc', ['  def', '  ghi', '  jkl']);
    expect(problems(text)).toEqual([
      { ruleId: 'PF-YAML', line: 7, column: 8, message: 'YAML syntax: the quoted text (") opened here is not closed before line 12, column 1, where parsing failed: Missing closing "quote' },
    ]);
  });

  it('leaves an error with no open bracket or quote before it where the parser found it', () => {
    expect(problems(`${HEADER}a:\n  b: 1\n   c: 2\n`)).toEqual([
      { ruleId: 'PF-YAML', line: 4, column: 6, message: 'YAML syntax: Nested mappings are not allowed in compact mappings' },
      { ruleId: 'PF-YAML', line: 4, column: 6, message: 'YAML syntax: Implicit keys need to be on a single line' },
    ]);
  });
});

describe('the number of diagnostics of one file', () => {
  it('lists at most MAX_DIAGNOSTICS_PER_FILE, the last saying how many more there are', () => {
    const text = `${HEADER}${'x: 1\n'.repeat(1000)}`;
    const result = compileDefinition(text, FILE);
    if (result.ok) throw new Error('a file of duplicate keys must not compile');
    expect(result.diagnostics).toHaveLength(MAX_DIAGNOSTICS_PER_FILE);
    expect(result.diagnostics.at(-1)).toMatchObject({ ruleId: 'PF-YAML', line: 3 + MAX_DIAGNOSTICS_PER_FILE, message: expect.stringContaining(`and ${999 - MAX_DIAGNOSTICS_PER_FILE} further problems after this one are not listed`) });
  });
});
