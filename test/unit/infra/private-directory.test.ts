import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDirectory } from '../../../src/infra/private-directory.js';
import { scratchDir } from '../../support/test-environment.js';

const mode = async (directory: string) => (await stat(directory)).mode & 0o777;

describe('ensurePrivateDirectory', () => {
  const scratch: string[] = [];
  const fresh = async (prefix: string) => {
    const directory = await scratchDir(prefix);
    scratch.push(directory);
    return directory;
  };
  afterAll(() => Promise.all(scratch.map((directory) => rm(directory, { recursive: true, force: true }))));

  it('creates the directory and its missing parents for the owner only', async () => {
    const root = await fresh('private-new');
    const directory = path.join(root, 'a', 'b');
    await ensurePrivateDirectory(directory);
    expect(await mode(directory)).toBe(0o700);
    expect(await mode(path.join(root, 'a'))).toBe(0o700);
  });

  it('closes an existing data directory that group and others could enter, keeping what the owner may do', async () => {
    const directory = path.join(await fresh('private-old'), '.data');
    await mkdir(directory);
    await chmod(directory, 0o755);
    await ensurePrivateDirectory(directory);
    expect(await mode(directory)).toBe(0o700);
  });
});
