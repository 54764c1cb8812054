import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import protos from '@temporalio/proto';
import type { PayloadKey, PayloadKeyring } from './keyring.js';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const ProtoPayload = protos.temporal.api.common.v1.Payload;

/** `encoding` of an encrypted payload: what the Web UI and other codecs recognise as "not for you to read". */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted the payload; the only thing about it Temporal sees in clear. */
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

/** GCM's recommended nonce size: 96 bits, fresh and random for every payload. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A payload could not be decrypted; the message says why and what to do, and never shows the data. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/**
 * Encrypts every payload with AES-256-GCM before it leaves the process for Temporal, and decrypts what
 * comes back. The whole original payload (its metadata, such as `encoding`, and its data) is serialised
 * and encrypted, so the server stores only ciphertext plus the id of the key; the GCM tag makes any
 * change to the ciphertext fail decryption rather than yield altered data.
 *
 * Guarantees: `decode(encode(p))` equals `p`; two encodings of the same payload differ (random IV);
 * `decode` passes through payloads that were never encrypted (histories written before encryption was
 * switched on stay readable) and throws a `PayloadDecryptionError` for a payload whose key this keyring
 * lacks or whose ciphertext, IV or tag was altered.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: PayloadKey;

  constructor(keyring: PayloadKeyring) {
    this.keys = new Map(keyring.keys.map((key) => [key.id, key.key]));
    const active = keyring.keys.find((key) => key.id === keyring.activeKeyId);
    if (!active) throw new Error(`the active payload key "${keyring.activeKeyId}" is not in the keyring`);
    this.active = active;
  }

  /** The id of the key new payloads are encrypted with. */
  get activeKeyId(): string {
    return this.active.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    const plaintext = ProtoPayload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        encoding: utf8.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8.encode(this.active.id),
        [CIPHER_METADATA]: utf8.encode(CIPHER),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    if (!metadata['encoding'] || text.decode(metadata['encoding']) !== ENCRYPTED_ENCODING) return payload;
    const keyId = metadata[KEY_ID_METADATA] ? text.decode(metadata[KEY_ID_METADATA]) : '';
    const cipherName = metadata[CIPHER_METADATA] ? text.decode(metadata[CIPHER_METADATA]) : CIPHER;
    if (cipherName !== CIPHER) throw new PayloadDecryptionError(`a payload is encrypted with ${JSON.stringify(cipherName)}; procureflow decrypts only ${CIPHER}`);
    if (!keyId) throw new PayloadDecryptionError(`an encrypted payload names no key (its "${KEY_ID_METADATA}" metadata is missing)`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with the key "${keyId}", which this process does not have (it has ${[...this.keys.keys()].map((id) => `"${id}"`).join(', ')}): ` +
          'add that key to PROCUREFLOW_PAYLOAD_KEYS (or to the payload-keys file in the data directory) and restart',
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`a payload encrypted with the key "${keyId}" is too short to hold an IV and a tag: it was altered`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `a payload encrypted with the key "${keyId}" fails authentication: it was altered, or the key "${keyId}" here is not the one that encrypted it`,
      );
    }
    try {
      const decoded = ProtoPayload.decode(plaintext);
      return { metadata: decoded.metadata, data: decoded.data };
    } catch {
      // Authentic ciphertext that is no payload: written with this key, but not by a procureflow codec.
      throw new PayloadDecryptionError(`a payload encrypted with the key "${keyId}" decrypts to something that is not a Temporal payload`);
    }
  }
}

/** The data converter of every Temporal client and worker of procureflow: default JSON conversion, then encryption. */
export function encryptingDataConverter(codec: EncryptionCodec): DataConverter {
  return { payloadCodecs: [codec] };
}
