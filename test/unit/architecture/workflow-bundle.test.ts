import { bundleTestWorkflows } from '../../support/workflow-bundles.js';

/** The modules webpack put in a bundle, by the path it names each one with (`"./workflows/engine/run.ts"`). */
function bundledModules(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "(\.\/[^"]+)"$/gm)].map((match) => match[1] as string);
}

describe('the workflow bundle', () => {
  let modules: string[];

  beforeAll(async () => {
    modules = bundledModules((await bundleTestWorkflows('../workflows/index.ts')).code);
  }, 60_000);

  it('holds the interpreter, the case machine and the expression language the workflows run', () => {
    expect(modules).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/workflows\/engine\/interpreter\.ts$/),
        expect.stringMatching(/\/workflows\/machines\/supervision-case\.machine\.ts$/),
        expect.stringMatching(/\/src\/definitions\/expressions\/expression-language\.ts$/),
        expect.stringMatching(/\/node_modules\/xstate\//),
      ]),
    );
  });

  // Temporal evaluates every module of the bundle again for each workflow it creates (a launch, a
  // contract, a continued run, a replay after eviction). The definition schemas build hundreds of zod
  // objects when evaluated: in the bundle they cost each new workflow milliseconds of CPU for nothing,
  // since definitions are validated when deployed, never inside a workflow.
  it('leaves out the schema library and the definition schemas', () => {
    expect(modules.filter((module) => /\/node_modules\/zod\/|\.schema\.ts$/.test(module))).toEqual([]);
  });
});
