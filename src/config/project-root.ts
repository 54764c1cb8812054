import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root directory (the one holding procureflow's package.json), found by walking up
 * from this module, so paths to scripts and definitions hold both from sources and from `dist/`.
 */
export const PROJECT_ROOT: string = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`procureflow's package.json was not found above ${start}`);
  }
}
