import { randomBytes } from 'node:crypto';

/**
 * Keys of the payload codec. Every key that ever encrypted a payload stays in the keyring for as long
 * as Temporal keeps a history holding that payload; only the active one encrypts new payloads.
 */
export interface PayloadKey {
  /** Written in clear into each payload's metadata, so a decoder knows which key to use. */
  readonly id: string;
  /** 32 bytes: an AES-256 key. */
  readonly key: Buffer;
}

export interface PayloadKeyring {
  readonly keys: readonly PayloadKey[];
  /** The key new payloads are encrypted with; one of `keys`. */
  readonly activeKeyId: string;
}

/** AES-256 takes a 256-bit key. */
export const PAYLOAD_KEY_BYTES = 32;

/** Key ids travel in clear in payload metadata and in configuration lists: short, printable, no separators. */
export const PAYLOAD_KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Standard or URL-safe base64, padded or not: what `openssl rand -base64 32` and Node both write. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses a key list: entries `<id>:<base64 of 32 bytes>`, separated by commas, spaces or new lines;
 * `#` starts a comment that runs to the end of its line.
 * Guarantees: returns at least one key, ids unique, each key exactly 32 bytes; otherwise throws an
 * Error whose message names the entry (by position and id) but never shows key material.
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('lists no key; expected <id>:<base64 of 32 random bytes>, e.g. k1:$(openssl rand -base64 32)');
  const keys: PayloadKey[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} is not <id>:<base64 key> (no ":" in it)`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!PAYLOAD_KEY_ID_PATTERN.test(id)) {
      throw new Error(`${where} has the key id "${id.slice(0, 64)}"; an id is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    }
    if (keys.some((other) => other.id === id)) throw new Error(`${where} repeats the key id "${id}"; each key needs an id of its own`);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (!key || key.length !== PAYLOAD_KEY_BYTES) {
      throw new Error(`key "${id}" is not ${PAYLOAD_KEY_BYTES} bytes in base64; make one with \`openssl rand -base64 ${PAYLOAD_KEY_BYTES}\``);
    }
    keys.push({ id, key });
  });
  return keys;
}

/** One key as a list entry `parsePayloadKeys` reads back. */
export function formatPayloadKey(key: PayloadKey): string {
  return `${key.id}:${key.key.toString('base64')}`;
}

/** A fresh random key; its id says it was generated, and when, so a person can tell keys apart. */
export function generatePayloadKey(now: Date = new Date()): PayloadKey {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return { id: `local-${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(PAYLOAD_KEY_BYTES) };
}

/**
 * The keyring of `keys` whose active key is `activeKeyId`, or the last key listed when none is named
 * (so a rotation appends the new key). Throws when `activeKeyId` names no key of the list.
 */
export function keyringOf(keys: readonly PayloadKey[], activeKeyId?: string): PayloadKeyring {
  const last = keys[keys.length - 1];
  if (!last) throw new Error('a keyring needs at least one key');
  const active = activeKeyId ?? last.id;
  if (!keys.some((key) => key.id === active)) {
    throw new Error(`names the key "${active}", which is not among the keys (${keys.map((key) => `"${key.id}"`).join(', ')})`);
  }
  return { keys, activeKeyId: active };
}
