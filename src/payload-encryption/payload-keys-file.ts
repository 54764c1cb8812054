import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/config.js';
import { formatPayloadKey, generatePayloadKey, keyringOf, type PayloadKeyring, parsePayloadKeys } from './keyring.js';

/** Name of the file under PROCUREFLOW_DATA_DIR holding the generated payload keys. */
export const PAYLOAD_KEYS_FILE = 'payload-keys';

export function payloadKeysPath(dataDir: string): string {
  return path.join(dataDir, PAYLOAD_KEYS_FILE);
}

/**
 * The payload keys of this installation: PROCUREFLOW_PAYLOAD_KEYS when set, else the ones kept in
 * `<dataDir>/payload-keys`, where one key is generated (mode 0600) the first time anyone needs it.
 * The active key is PROCUREFLOW_PAYLOAD_KEY_ID, else the last one listed. `npm start` calls this.
 * Guarantees: the same keyring on every call until the file or the variables change; throws when the
 * file exists but holds no usable key list, or PROCUREFLOW_PAYLOAD_KEY_ID names a key it does not hold.
 */
export async function resolvePayloadKeyring(
  config: Pick<AppConfig, 'payloadKeys' | 'payloadKeyId' | 'dataDir'>,
): Promise<{ keyring: PayloadKeyring; source: string }> {
  if (config.payloadKeys) return { keyring: keyringOf(config.payloadKeys, config.payloadKeyId), source: 'PROCUREFLOW_PAYLOAD_KEYS' };
  const file = payloadKeysPath(config.dataDir);
  const keys = parsed(file, await loadOrCreateKeysFile(file));
  try {
    return { keyring: keyringOf(keys, config.payloadKeyId), source: file };
  } catch (error) {
    throw new Error(`PROCUREFLOW_PAYLOAD_KEY_ID ${(error as Error).message} in ${file}`);
  }
}

function parsed(file: string, text: string) {
  try {
    return parsePayloadKeys(text);
  } catch (error) {
    throw new Error(`${file} holds no usable payload keys (${(error as Error).message}); restore it from a backup: payloads encrypted with a lost key cannot be read again`);
  }
}

async function loadOrCreateKeysFile(file: string): Promise<string> {
  const existing = await readIfExists(file);
  if (existing !== undefined) return existing;
  // The data directory holds secrets: nobody but its owner may list or enter it.
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const generated = [
    '# Payload encryption keys of this procureflow installation (AES-256-GCM), one <id>:<base64> per line.',
    '# The last one encrypts new payloads. Keep every key that ever encrypted a payload: histories on the',
    '# Temporal server that hold its payloads cannot be read without it. To rotate, append a new key.',
    formatPayloadKey(generatePayloadKey()),
    '',
  ].join('\n');
  // Written aside, then linked into place: link() fails when the file exists, so processes starting at
  // once end up with the same keys, and nobody ever reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, generated, { mode: 0o600 });
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
