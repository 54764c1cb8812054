import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/**
 * The project's own ESLint configuration refuses focused, skipped, to-do and empty tests in test
 * files: each snippet below is linted in memory as if it were a test file, and must be refused by
 * no-restricted-syntax on the line that holds it — and a plain test must pass.
 */
describe('lint refuses tests that would land focused, skipped or empty', () => {
  // The snippets exist in memory only, so the TypeScript project service cannot type them: linting
  // them without type information leaves every other part of the configuration, file globs included, as it is.
  const eslint = new ESLint({ cwd: PROJECT_ROOT, overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });

  /** What no-restricted-syntax reports when `code` is a file of the project at `filePath`. */
  const refusals = async (code: string, filePath = 'test/unit/lint-snippet.test.ts'): Promise<Array<{ line: number; message: string }>> => {
    const [result] = await eslint.lintText(code, { filePath: `${PROJECT_ROOT}/${filePath}` });
    const fatal = result?.messages.filter((message) => message.fatal) ?? [];
    if (fatal.length > 0) throw new Error(`the snippet did not parse: ${JSON.stringify(fatal)}`);
    return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-syntax').map(({ line, message }) => ({ line, message }));
  };
  const refusedLines = async (code: string, filePath?: string) => (await refusals(code, filePath)).map((refusal) => refusal.line);

  // One of each restriction's messages, so that each case shows which restriction caught it.
  const FOCUSED_OR_SKIPPED = /^Do not land focused \(\.only\), skipped \(\.skip\) or to-do/;
  const ALIAS = /^Do not land focused \(fit, fdescribe\)/;
  const NO_BODY = /^A test needs a body/;
  const EMPTY_BODY = /^A test with an empty body/;

  it.each([
    ['it.only', FOCUSED_OR_SKIPPED, "it.only('runs alone', () => {\n  expect(1).toBe(1);\n});\n"],
    ['describe.only', FOCUSED_OR_SKIPPED, "describe.only('alone', () => {\n  it('a', () => {\n    expect(1).toBe(1);\n  });\n});\n"],
    ['test.only', FOCUSED_OR_SKIPPED, "test.only('runs alone', () => {\n  expect(1).toBe(1);\n});\n"],
    ['it.only.each', FOCUSED_OR_SKIPPED, "it.only.each([1])('case %s', (n) => {\n  expect(n).toBe(1);\n});\n"],
    ['fit', ALIAS, "fit('runs alone', () => {\n  expect(1).toBe(1);\n});\n"],
    ['fdescribe', ALIAS, "fdescribe('alone', () => {\n  it('a', () => {\n    expect(1).toBe(1);\n  });\n});\n"],
    ['it.skip', FOCUSED_OR_SKIPPED, "it.skip('later', () => {\n  expect(1).toBe(1);\n});\n"],
    ['describe.skip', FOCUSED_OR_SKIPPED, "describe.skip('later', () => {\n  it('a', () => {\n    expect(1).toBe(1);\n  });\n});\n"],
    ['test.skip', FOCUSED_OR_SKIPPED, "test.skip('later', () => {\n  expect(1).toBe(1);\n});\n"],
    ['xit', ALIAS, "xit('later', () => {\n  expect(1).toBe(1);\n});\n"],
    ['xdescribe', ALIAS, "xdescribe('later', () => {\n  it('a', () => {\n    expect(1).toBe(1);\n  });\n});\n"],
    ['xtest', ALIAS, "xtest('later', () => {\n  expect(1).toBe(1);\n});\n"],
    ['it.todo', FOCUSED_OR_SKIPPED, "it.todo('one day');\n"],
    ['it without a body', NO_BODY, "it('promises something');\n"],
    ['test without a body', NO_BODY, "test('promises something');\n"],
    ['it with an empty body', EMPTY_BODY, "it('checks nothing', () => {});\n"],
    ['an async test with an empty body', EMPTY_BODY, "test('checks nothing', async () => {\n  // later\n});\n"],
    ['a function test with an empty body', EMPTY_BODY, "it('checks nothing', function () {});\n"],
  ])('refuses %s', async (_name, restriction, code) => {
    expect(await refusals(code)).toContainEqual({ line: 1, message: expect.stringMatching(restriction) });
  });

  it('refuses them in integration and scenario tests and their JavaScript helpers too', async () => {
    expect(await refusedLines("it.only('x', () => {\n  expect(1).toBe(1);\n});\n", 'test/integration/lint-snippet.test.ts')).toEqual([1]);
    expect(await refusedLines("xit('x', () => {\n  expect(1).toBe(1);\n});\n", 'test/support/lint-snippet.js')).toEqual([1]);
  });

  it('accepts a test that runs and checks something, and the same words outside test calls', async () => {
    const code = [
      "describe('a suite', () => {",
      "  it.each([1, 2])('case %s', (n) => {",
      '    expect(n).toBeGreaterThan(0);',
      '  });',
      "  test('a test', async () => {",
      '    const only = { skip: 1, todo: 2 };',
      '    expect(await Promise.resolve(only.skip + only.todo)).toBe(3);',
      '  });',
      '});',
      '',
    ].join('\n');
    expect(await refusedLines(code)).toEqual([]);
  });

  it('leaves product code alone', async () => {
    expect(await refusedLines("export const it = { only: (name: string) => name };\nit.only('x');\n", 'src/lint-snippet.ts')).toEqual([]);
  });
});
