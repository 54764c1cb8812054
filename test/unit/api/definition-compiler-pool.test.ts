import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefinitionCompilerPool } from '../../../apps/api/src/definitions/definition-compiler.pool.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/**
 * The API's compiler pool with real worker threads (running the compiled worker under dist/, which
 * `npm run build` writes): every file gets its own answer, however many wait for a thread; a compile
 * past the budget is stopped and the pool goes on; a closed pool refuses what still waits.
 */
const DEQING = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures/deqing-community-correction.yaml'), 'utf8');
const CALENDAR = readFileSync(path.join(PROJECT_ROOT, 'definitions/calendars/cn-2026.yaml'), 'utf8');

describe('DefinitionCompilerPool', () => {
  it('answers each of more files than it has threads with that file’s own result', async () => {
    const pool = new DefinitionCompilerPool({ timeoutMs: 60_000, threads: 2 });
    try {
      const files = [
        { file: 'a.yaml', text: DEQING },
        { file: 'b.yaml', text: 'kind: [unclosed' },
        { file: 'c.yaml', text: CALENDAR },
        { file: 'd.yaml', text: `anchor: &a x\nlist: [${Array(101).fill('*a').join(', ')}]\n` },
        { file: 'e.yaml', text: DEQING },
      ];
      const outcomes = await Promise.all(files.map(({ file, text }) => pool.compile(text, file)));
      expect(
        outcomes.map((outcome) => {
          if (outcome.kind !== 'compiled') return outcome.kind;
          return outcome.result.ok ? outcome.result.compiled.key : outcome.result.diagnostics.map((d) => `${d.file} ${d.ruleId}`).join(', ');
        }),
      ).toEqual(['deqing-community-correction', 'b.yaml PF-YAML', 'cn-2026', 'd.yaml PF-LIMIT-ALIASES', 'deqing-community-correction']);
    } finally {
      await pool.close();
    }
  });

  it('stops a compile that overruns its budget, and goes on with fresh threads', async () => {
    // One millisecond: no procedure compiles that fast.
    const pool = new DefinitionCompilerPool({ timeoutMs: 1, threads: 1 });
    try {
      await expect(pool.compile(DEQING, 'first.yaml')).resolves.toEqual({ kind: 'stopped', reason: 'time' });
      await expect(pool.compile(DEQING, 'second.yaml')).resolves.toEqual({ kind: 'stopped', reason: 'time' });
    } finally {
      await pool.close();
    }
  });

  it('refuses, once closed, the files still waiting and any new one', async () => {
    const pool = new DefinitionCompilerPool({ timeoutMs: 60_000, threads: 1 });
    const waiting = Promise.allSettled([pool.compile(DEQING, 'one.yaml'), pool.compile(DEQING, 'two.yaml')]);
    await pool.close();
    for (const outcome of await waiting) {
      expect(outcome).toEqual({ status: 'rejected', reason: new Error('the definition compiler is shut down') });
    }
    await expect(pool.compile(CALENDAR, 'late.yaml')).rejects.toThrow('the definition compiler is shut down');
  });
});
