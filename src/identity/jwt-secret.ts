import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppConfig, MIN_JWT_SECRET_LENGTH } from '../config/config.js';

/** Name of the file under PROCUREFLOW_DATA_DIR holding the generated token secret. */
export const JWT_SECRET_FILE = 'jwt-secret';

export function jwtSecretPath(dataDir: string): string {
  return path.join(dataDir, JWT_SECRET_FILE);
}

/**
 * The secret that signs access tokens on this installation: PROCUREFLOW_JWT_SECRET when set, else the
 * one kept in `<dataDir>/jwt-secret`, generated (64 random base64url characters, mode 0600) the first
 * time anyone needs it. `npm start` and `procureflow dev token` both call this, so they agree.
 * Guarantees: returns a secret of at least MIN_JWT_SECRET_LENGTH characters, and the same one on every
 * call until the file or the variable changes; throws when the file exists but holds no usable secret.
 */
export async function resolveJwtSecret(config: Pick<AppConfig, 'jwtSecret' | 'dataDir'>): Promise<{ secret: string; source: string }> {
  if (config.jwtSecret) return { secret: config.jwtSecret, source: 'PROCUREFLOW_JWT_SECRET' };
  const file = jwtSecretPath(config.dataDir);
  return { secret: await loadOrCreateSecretFile(file), source: file };
}

async function loadOrCreateSecretFile(file: string): Promise<string> {
  const existing = await readSecretFile(file);
  if (existing !== undefined) return existing;
  await mkdir(path.dirname(file), { recursive: true });
  const generated = randomBytes(48).toString('base64url');
  // Written aside, then linked into place: link() fails when the file exists, so two processes starting
  // at once end up with the same secret, and nobody ever reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${generated}\n`, { mode: 0o600 });
  try {
    // The umask may have narrowed the mode further, never widened it; make it exactly owner-only.
    await chmod(draft, 0o600);
    await link(draft, file);
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  // Another process created it first: use theirs.
  const theirs = await readSecretFile(file);
  if (theirs === undefined) throw new Error(`${file} appeared and vanished while procureflow was creating it: try again`);
  return theirs;
}

async function readSecretFile(file: string): Promise<string | undefined> {
  let stored: string;
  try {
    stored = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (stored.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`${file} holds no usable token secret (fewer than ${MIN_JWT_SECRET_LENGTH} characters): delete it to have a new one generated`);
  }
  return stored;
}
