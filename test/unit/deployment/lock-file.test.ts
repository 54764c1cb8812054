import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/**
 * `npm ci` (CI, the Dockerfile) installs exactly what package-lock.json records and refuses a lock file
 * that misses a package; `npm install` on a fresh clone adds what is missing and leaves the tree dirty.
 * npm records other platforms' optional binaries (@swc/core-darwin-arm64, resolver bindings) only when it
 * resolves them afresh, so a lock file written from an existing node_modules can silently lack them.
 * This checks, without a registry, that every dependency of every locked package is locked too.
 */
interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as LockedPackage;

/** Where Node (and npm) would find `name` from the package installed at `location`: up the node_modules chain. */
function resolveLocked(location: string, name: string): string | undefined {
  for (let base = location; ; ) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

describe('package-lock.json', () => {
  it('is a lock file npm ci reads (version 3, with the root package)', () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']).toBeDefined();
  });

  it('records the same direct dependencies as package.json', () => {
    const root = lock.packages[''] ?? {};
    expect(root.dependencies).toEqual(manifest.dependencies);
    expect(root.devDependencies).toEqual(manifest.devDependencies);
    expect(root.optionalDependencies).toEqual(manifest.optionalDependencies);
  });

  it("locks every dependency of every locked package, other platforms' optional binaries included", () => {
    const unlocked: string[] = [];
    for (const [location, locked] of Object.entries(lock.packages)) {
      const required = {
        ...locked.dependencies,
        ...locked.optionalDependencies,
        // Only the root's development dependencies are installed.
        ...(location === '' ? locked.devDependencies : {}),
      };
      for (const name of Object.keys(required)) {
        if (!resolveLocked(location, name)) unlocked.push(`${location || '(root)'} needs ${name}`);
      }
    }
    expect(unlocked).toEqual([]);
  });

  it('is what CI installs from, with npm ci', () => {
    const ci = readFileSync(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).not.toMatch(/^npm install\b/m);
  });
});
