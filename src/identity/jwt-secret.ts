import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type AppConfig, MIN_JWT_SECRET_LENGTH } from '../config/config.js';
import { readOrCreateSecretFile } from '../infra/secret-file.js';

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
  const stored = (await readOrCreateSecretFile(file, () => `${randomBytes(48).toString('base64url')}\n`)).trim();
  if (stored.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(`${file} holds no usable token secret (fewer than ${MIN_JWT_SECRET_LENGTH} characters): delete it to have a new one generated`);
  }
  return stored;
}
