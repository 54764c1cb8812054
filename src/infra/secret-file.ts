import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Owner read and write only: the mode of every secret file procureflow generates. */
export const SECRET_FILE_MODE = 0o600;

/**
 * The text of the secret file `file`; when there is none yet, the text `generate()` returns is written
 * there with mode 0600 (its directory created first when missing, with `directoryMode` when given).
 * Guarantees: an existing file is read as it is and never overwritten; of several processes calling this
 * at once, every one gets the text of the single file that ends up in place; nobody reads a half-written
 * file. Throws when the file cannot be read or written, or vanishes right after another process created it.
 */
export async function readOrCreateSecretFile(file: string, generate: () => string, options: { directoryMode?: number } = {}): Promise<string> {
  const existing = await readIfExists(file);
  if (existing !== undefined) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: options.directoryMode });
  const generated = generate();
  // Written aside, then linked into place: link() fails when the file exists, so processes starting at
  // once end up with the same secret, and nobody ever reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, generated, { mode: SECRET_FILE_MODE });
  try {
    // The umask may have narrowed the mode further, never widened it; make it exactly owner-only.
    await chmod(draft, SECRET_FILE_MODE);
    await link(draft, file);
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  // Another process created it first: use theirs.
  const theirs = await readIfExists(file);
  if (theirs === undefined) throw new Error(`${file} appeared and vanished while procureflow was creating it: try again`);
  return theirs;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
