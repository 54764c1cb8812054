import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
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
/**
 * Metadata saying the plaintext was compressed before encryption, and how. It is in clear, so it is also
 * the GCM additional authenticated data: a flag added, removed or changed fails authentication before
 * anything is inflated, never yields a payload decompressed (or not) behind the writer's back.
 */
export const COMPRESSION_METADATA = 'encryption-compression';
/** Raw DEFLATE (RFC 1951, node:zlib's deflateRaw): no zlib or gzip header, the GCM tag already checks integrity. */
export const COMPRESSION = 'deflate-raw';

/**
 * Serialised payloads smaller than this are encrypted as they are: a few hundred bytes of JSON barely
 * compress, and most payloads of a history (activity results, small update arguments) are that small.
 */
export const COMPRESSION_THRESHOLD_BYTES = 512;
/**
 * zlib's default level. On the ~56 KB compiled Deqing definition and calendars it gives 4.7:1 against
 * 4.0:1 at level 1, and the same as level 9 at a fraction of its time (docs/benchmarks.md has the figures).
 */
const COMPRESSION_LEVEL = 6;
/**
 * The most a compressed payload may inflate to. Temporal refuses payloads over 2 MB (as stored), and
 * DEFLATE can inflate 1,000-fold, so without a cap a small payload could make a decoder (a worker, the
 * codec endpoint) allocate gigabytes. Nothing legitimate comes near it: the codec compresses only
 * payloads within the cap, so whatever it encoded it can decode.
 */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

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

/** Tuning of an `EncryptionCodec`; the defaults are what every procureflow process uses. */
export interface EncryptionCodecOptions {
  /** Compress serialised payloads of at least this many bytes (default COMPRESSION_THRESHOLD_BYTES); `Infinity`: never. */
  readonly compressionThresholdBytes?: number;
  /** Refuse to inflate a payload beyond this many bytes (default MAX_INFLATED_BYTES). */
  readonly maxInflatedBytes?: number;
}

/**
 * Compresses, then encrypts every payload with AES-256-GCM before it leaves the process for Temporal,
 * and decrypts (and inflates) what comes back. The whole original payload (its metadata, such as
 * `encoding`, and its data) is serialised, deflated when that makes it smaller, and encrypted, so the
 * server stores only ciphertext plus the id of the key and whether it was compressed; the GCM tag makes
 * any change to the ciphertext or to that flag fail decryption rather than yield altered data.
 * Compression comes first because ciphertext does not compress: a compiled definition carried in a
 * workflow input shrinks to about a fifth.
 *
 * Guarantees: `decode(encode(p))` equals `p`; two encodings of the same payload differ (random IV);
 * `decode` reads payloads encrypted before compression existed (no flag) and passes through payloads
 * that were never encrypted (histories written before encryption was switched on stay readable); it
 * throws a `PayloadDecryptionError` for a payload whose key this keyring lacks, whose ciphertext, IV,
 * tag or compression flag was altered, or that would inflate beyond the cap.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: PayloadKey;
  private readonly compressionThreshold: number;
  private readonly maxInflated: number;

  constructor(keyring: PayloadKeyring, options: EncryptionCodecOptions = {}) {
    this.compressionThreshold = options.compressionThresholdBytes ?? COMPRESSION_THRESHOLD_BYTES;
    this.maxInflated = options.maxInflatedBytes ?? MAX_INFLATED_BYTES;
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

  /** `payload` encrypted with the active key; compressed first unless `compress` is false or it does not pay. */
  encrypt(payload: Payload, { compress = true }: { compress?: boolean } = {}): Payload {
    const serialised = ProtoPayload.encode(payload).finish();
    const deflated = compress ? this.deflated(serialised) : undefined;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    if (deflated) cipher.setAAD(compressionAad(COMPRESSION));
    const ciphertext = Buffer.concat([cipher.update(deflated ?? serialised), cipher.final()]);
    return {
      metadata: {
        encoding: utf8.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8.encode(this.active.id),
        [CIPHER_METADATA]: utf8.encode(CIPHER),
        ...(deflated ? { [COMPRESSION_METADATA]: utf8.encode(COMPRESSION) } : {}),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  /** The deflated `serialised`, when it is worth compressing and comes out smaller; otherwise undefined. */
  private deflated(serialised: Uint8Array): Buffer | undefined {
    if (serialised.length < this.compressionThreshold || serialised.length > this.maxInflated) return undefined;
    const deflated = deflateRawSync(serialised, { level: COMPRESSION_LEVEL });
    return deflated.length < serialised.length ? deflated : undefined;
  }

  decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    if (!metadata['encoding'] || text.decode(metadata['encoding']) !== ENCRYPTED_ENCODING) return payload;
    const keyId = metadata[KEY_ID_METADATA] ? text.decode(metadata[KEY_ID_METADATA]) : '';
    const cipherName = metadata[CIPHER_METADATA] ? text.decode(metadata[CIPHER_METADATA]) : CIPHER;
    if (cipherName !== CIPHER) throw new PayloadDecryptionError(`a payload is encrypted with ${JSON.stringify(cipherName)}; procureflow decrypts only ${CIPHER}`);
    if (!keyId) throw new PayloadDecryptionError(`an encrypted payload names no key (its "${KEY_ID_METADATA}" metadata is missing)`);
    const compression = metadata[COMPRESSION_METADATA] ? text.decode(metadata[COMPRESSION_METADATA]) : undefined;
    if (compression !== undefined && compression !== COMPRESSION) {
      throw new PayloadDecryptionError(`a payload is compressed with ${JSON.stringify(compression)}; procureflow inflates only ${COMPRESSION}`);
    }
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
    if (compression) decipher.setAAD(compressionAad(compression));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `a payload encrypted with the key "${keyId}" fails authentication: it was altered, or the key "${keyId}" here is not the one that encrypted it`,
      );
    }
    if (compression) plaintext = this.inflated(plaintext, keyId);
    try {
      const decoded = ProtoPayload.decode(plaintext);
      return { metadata: decoded.metadata, data: decoded.data };
    } catch {
      // Authentic ciphertext that is no payload: written with this key, but not by a procureflow codec.
      throw new PayloadDecryptionError(`a payload encrypted with the key "${keyId}" decrypts to something that is not a Temporal payload`);
    }
  }

  /** Authentic deflated bytes inflated, at most `maxInflated` of them. */
  private inflated(deflated: Buffer, keyId: string): Buffer {
    try {
      return inflateRawSync(deflated, { maxOutputLength: this.maxInflated });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new PayloadDecryptionError(
          `a compressed payload encrypted with the key "${keyId}" inflates to more than ${this.maxInflated} bytes, the most procureflow accepts; it was not inflated`,
        );
      }
      throw new PayloadDecryptionError(`a compressed payload encrypted with the key "${keyId}" is authentic but does not inflate as ${COMPRESSION}: it was not written by a procureflow codec`);
    }
  }
}

/** What a compressed payload's GCM tag covers besides its ciphertext: the compression it declares. */
function compressionAad(compression: string): Buffer {
  return Buffer.from(`${COMPRESSION_METADATA}=${compression}`, 'utf8');
}

/**
 * The payload `stored` would have been had it been encrypted without compression, given what it decodes
 * to (`decoded`): the same metadata but the compression flag, and ciphertext as long as the serialised
 * payload. For measuring what compression saves (bench/src/history-cost.ts) without the key: the sizes
 * are exact, the bytes are not ciphertext. `stored` as it is when it was not compressed.
 */
export function uncompressedEquivalent(stored: Payload, decoded: Payload): Payload {
  const { [COMPRESSION_METADATA]: compression, ...metadata } = stored.metadata ?? {};
  if (!compression) return stored;
  return { metadata, data: new Uint8Array(IV_BYTES + ProtoPayload.encode(decoded).finish().length + TAG_BYTES) };
}

/** The data converter of every Temporal client and worker of procureflow: default JSON conversion, then encryption. */
export function encryptingDataConverter(codec: EncryptionCodec): DataConverter {
  return { payloadCodecs: [codec] };
}
