import { chmod, mkdir, stat } from 'node:fs/promises';

/** Owner only: the data directories hold the token secret, personal data and payment files. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/**
 * Creates `directory` (and missing parents) readable by its owner only, or, when it exists and belongs
 * to this process's user, takes away what group and others may do with it.
 * Guarantees: afterwards the directory exists; when this user owns it, its mode grants nothing beyond
 * the owner. A directory of another user is left as it is (changing it is not ours to do).
 */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  const { mode, uid } = await stat(directory);
  const ownedByUs = process.getuid === undefined || process.getuid() === uid;
  if (ownedByUs && (mode & 0o077) !== 0) await chmod(directory, mode & 0o700);
}
