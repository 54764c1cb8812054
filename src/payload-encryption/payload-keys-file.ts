import path from 'node:path';
import type { AppConfig } from '../config/config.js';
import { PRIVATE_DIRECTORY_MODE } from '../infra/private-directory.js';
import { readOrCreateSecretFile } from '../infra/secret-file.js';
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
  // The data directory holds secrets: nobody but its owner may list or enter it.
  const keys = parsed(file, await readOrCreateSecretFile(file, generatedKeysFile, { directoryMode: PRIVATE_DIRECTORY_MODE }));
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

function generatedKeysFile(): string {
  return [
    '# Payload encryption keys of this procureflow installation (AES-256-GCM), one <id>:<base64> per line.',
    '# The last one encrypts new payloads. Keep every key that ever encrypted a payload: histories on the',
    '# Temporal server that hold its payloads cannot be read without it. To rotate, append a new key.',
    formatPayloadKey(generatePayloadKey()),
    '',
  ].join('\n');
}
