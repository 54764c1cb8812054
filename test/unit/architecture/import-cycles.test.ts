import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph, runtimeImports } from '../../support/import-graph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('import graph', () => {
  it('has no cycles among the modules of workflows/, activities/, src/ and apps/', async () => {
    const graph = await importGraph(root, ['workflows', 'activities', 'src', 'apps']);
    // The graph is real: the interpreter loads its dispatch table, which loads the node modules.
    expect(graph.get(path.join('workflows', 'engine', 'interpreter.ts'))).toContain(path.join('workflows', 'engine', 'nodes', 'index.ts'));
    const described = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(described).toEqual([]);
  });

  it('counts value imports and re-exports, and leaves out what the compiler erases', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, type D } from './c.js';",
      "import { type E, e } from './e.js';",
      "import './f.js';",
      "export { g } from './g.js';",
      "export type { H } from './h.js';",
      "export * from './i.js';",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(runtimeImports('x.ts', source)).toEqual(['./a.js', './e.js', './f.js', './g.js', './i.js']);
  });

  it('names each cycle as a path back to where it started', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(graph).map((cycle) => cycle.join(' → ')).sort()).toEqual(['a.ts → b.ts → c.ts → a.ts', 'e.ts → e.ts']);
  });
});
