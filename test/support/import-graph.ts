/**
 * The runtime import graph of the project's own modules, and the cycles in it.
 *
 * Type-only imports are left out: `import type`, `export type … from`, and imports whose every name is
 * marked `type` are erased by the compiler, so they load nothing and cannot make one module run before
 * another has finished initialising — the failure a cycle causes (a class or table read as
 * `undefined`). An unmarked import counts even when only its types are used: with
 * `emitDecoratorMetadata` the compiler may keep it, so it is treated as loaded. Dynamic `import()` is
 * left out too: it runs after every module has initialised.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** The relative specifiers a module loads at run time, as written. */
export function runtimeImports(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      const allTypes = clause !== undefined && !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
      if (allTypes) continue;
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (statement.isTypeOnly) continue;
      const clause = statement.exportClause;
      if (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly)) continue;
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers.filter((specifier) => specifier.startsWith('.'));
}

/** Every `.ts` file (not a declaration) under `directory`, relative to `root`. */
async function sourcesUnder(root: string, directory: string): Promise<string[]> {
  const entries = await readdir(path.join(root, directory), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort();
}

/** Module → the project modules it loads, for the `.ts` files under `directories` of `root`. */
export async function importGraph(root: string, directories: readonly string[]): Promise<Map<string, string[]>> {
  const files = (await Promise.all(directories.map((directory) => sourcesUnder(root, directory)))).flat();
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = await readFile(path.join(root, file), 'utf8');
    const targets = runtimeImports(file, source).flatMap((specifier) => {
      // Sources import siblings as `./x.js` (Node's ESM rule) for the file `./x.ts`.
      const resolved = path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, '.ts');
      const candidates = [resolved, path.join(resolved.replace(/\.ts$/, ''), 'index.ts')];
      const target = candidates.find((candidate) => known.has(candidate));
      return target ? [target] : [];
    });
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The cycles of a graph, one per strongly connected component of more than one module (or a module
 * importing itself), each as a path that starts and ends at the same module.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** One concrete cycle through a strongly connected component, from its first module in sort order. */
function cycleWithin(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0] ?? '';
  // Breadth-first from the start back to it, inside the component: the shortest such cycle.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() ?? '';
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
