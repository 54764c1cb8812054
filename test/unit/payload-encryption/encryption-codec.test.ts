import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createCipheriv, createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import protos from '@temporalio/proto';
import {
  COMPRESSION,
  COMPRESSION_METADATA,
  COMPRESSION_THRESHOLD_BYTES,
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  MAX_INFLATED_BYTES,
  PayloadDecryptionError,
  uncompressedEquivalent,
} from '../../../src/payload-encryption/encryption-codec.js';
import { keyringOf, type PayloadKey } from '../../../src/payload-encryption/keyring.js';

const OLD: PayloadKey = { id: 'k-2025', key: randomBytes(32) };
const NEW: PayloadKey = { id: 'k-2026', key: randomBytes(32) };
const SECRET = { name: '张三丰', idNumber: '330521199001011234', opinion: '审前调查评估意见：建议适用社区矫正' };

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value) as Payload;
const ProtoPayload = protos.temporal.api.common.v1.Payload;

/**
 * A payload as large and as repetitive as a compiled definition: steps of nodes with Chinese labels and
 * forms (the real one is ~56 KB of JSON), distinct enough that DEFLATE has work to do.
 */
const DEFINITION_LIKE = {
  metadata: { key: 'deqing-community-correction', jurisdiction: { code: '330521', name: '德清县' } },
  steps: Array.from({ length: 40 }, (_, step) => ({
    id: `step-${step}`,
    title: `第${step}步：采购需求审核与公示`,
    flow: {
      nodes: Array.from({ length: 6 }, (_, node) => ({
        id: `node-${step}-${node}`,
        type: 'task',
        role: ['judicial-office', 'finance', 'procurement-agency'][node % 3],
        form: [{ id: `amount${node}`, type: 'money', min: node * 1000, max: 10_000_000 }, { id: 'opinion', type: 'string', minLength: 2 }],
        decisions: [{ outcome: 'approve' }, { outcome: 'reject', to: `node-${step}-0` }],
        hash: createHash('sha256').update(`${step}.${node}`).digest('hex'),
      })),
    },
  })),
};

/** Hand-made: `plaintext` encrypted with `key`, with the compression flag (and matching AAD) when `flag` says so. */
function sealed(key: PayloadKey, plaintext: Uint8Array, flag: string | undefined): Payload {
  const iv = Buffer.alloc(12, 3);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  if (flag) cipher.setAAD(Buffer.from(`${COMPRESSION_METADATA}=${flag}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(key.id),
      'encryption-cipher': Buffer.from('AES-256-GCM'),
      ...(flag ? { [COMPRESSION_METADATA]: Buffer.from(flag) } : {}),
    },
    data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
  };
}

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(keyringOf([OLD]));

  it('gives back exactly what it encrypted, metadata included', async () => {
    const payloads = [plain(SECRET), plain(undefined), plain(42), defaultPayloadConverter.toPayload(new Uint8Array([0, 1, 2])) as Payload];
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, undefined, 42, new Uint8Array([0, 1, 2])]);
    expect(decoded.map((p) => utf8(p.metadata?.['encoding']))).toEqual(['json/plain', 'binary/null', 'json/plain', 'binary/plain']);
  });

  it('leaves no plaintext and no original metadata in what it sends: only the encoding, the key id and the cipher', async () => {
    const [encrypted] = await codec.encode([plain(SECRET)]);
    expect(Object.fromEntries(Object.entries(encrypted?.metadata ?? {}).map(([name, value]) => [name, utf8(value)]))).toEqual({
      encoding: ENCRYPTED_ENCODING,
      [KEY_ID_METADATA]: 'k-2025',
      'encryption-cipher': 'AES-256-GCM',
    });
    const bytes = Buffer.from(encrypted?.data ?? new Uint8Array());
    for (const text of [...Object.values(SECRET), 'json/plain']) expect(bytes.includes(Buffer.from(text, 'utf8'))).toBe(false);
  });

  it('uses a fresh IV for every payload, so equal inputs never give equal ciphertexts', async () => {
    const [first, second] = await codec.encode([plain(SECRET), plain(SECRET)]);
    expect(Buffer.from(first?.data ?? []).equals(Buffer.from(second?.data ?? []))).toBe(false);
    expect(Buffer.from(first?.data ?? []).subarray(0, 12).equals(Buffer.from(second?.data ?? []).subarray(0, 12))).toBe(false);
  });

  it('refuses a payload whose ciphertext, IV or tag was altered, however little', async () => {
    const [encrypted] = await codec.encode([plain(SECRET)]);
    const data = Buffer.from(encrypted?.data ?? []);
    for (const position of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
      const altered = Buffer.from(data);
      altered[position] = (altered[position] ?? 0) ^ 0x01;
      await expect(codec.decode([{ ...encrypted, data: altered }])).rejects.toThrow(
        new PayloadDecryptionError('a payload encrypted with the key "k-2025" fails authentication: it was altered, or the key "k-2025" here is not the one that encrypted it'),
      );
    }
    await expect(codec.decode([{ ...encrypted, data: data.subarray(0, 20) }])).rejects.toThrow('too short to hold an IV and a tag: it was altered');
  });

  it('refuses a payload relabelled with another key id', async () => {
    const both = new EncryptionCodec(keyringOf([OLD, NEW]));
    const [encrypted] = await both.encode([plain(SECRET)]);
    const relabelled = { ...encrypted, metadata: { ...encrypted?.metadata, [KEY_ID_METADATA]: Buffer.from('k-2025') } };
    await expect(both.decode([relabelled])).rejects.toThrow('fails authentication');
  });

  it('names the key it lacks and what to do, for a payload of an unknown key', async () => {
    const [encrypted] = await new EncryptionCodec(keyringOf([NEW])).encode([plain(SECRET)]);
    await expect(codec.decode([encrypted as Payload])).rejects.toThrow(
      'a payload is encrypted with the key "k-2026", which this process does not have (it has "k-2025"): add that key to PROCUREFLOW_PAYLOAD_KEYS',
    );
  });

  it('after a rotation, encrypts with the new key and still decrypts what the old one encrypted', async () => {
    const [before] = await codec.encode([plain(SECRET)]);
    const rotated = new EncryptionCodec(keyringOf([OLD, NEW]));
    const [after] = await rotated.encode([plain(SECRET)]);
    expect(utf8(after?.metadata?.[KEY_ID_METADATA])).toBe('k-2026');
    const decoded = await rotated.decode([before as Payload, after as Payload]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, SECRET]);
  });

  it('passes through payloads that were never encrypted, so histories from before encryption stay readable', async () => {
    const unencrypted = plain(SECRET);
    expect(await codec.decode([unencrypted])).toEqual([unencrypted]);
    expect(await codec.decode([{ data: Buffer.from('x') }])).toEqual([{ data: Buffer.from('x') }]);
  });

  it('refuses an encrypted payload that names no key or another cipher', async () => {
    const [encrypted] = await codec.encode([plain(SECRET)]);
    const { [KEY_ID_METADATA]: _keyId, ...withoutKey } = encrypted?.metadata ?? {};
    await expect(codec.decode([{ ...encrypted, metadata: withoutKey }])).rejects.toThrow('an encrypted payload names no key');
    const otherCipher = { ...encrypted, metadata: { ...encrypted?.metadata, 'encryption-cipher': Buffer.from('ChaCha20-Poly1305') } };
    await expect(codec.decode([otherCipher])).rejects.toThrow('procureflow decrypts only AES-256-GCM');
  });

  describe('compression before encryption', () => {
    const compressed = (payload: Payload | undefined) => utf8(payload?.metadata?.[COMPRESSION_METADATA]);

    it('deflates a large payload before encrypting it, to a fraction of its size, and gives it back exactly', async () => {
      const payload = plain(DEFINITION_LIKE);
      const [encoded] = await codec.encode([payload]);
      expect(compressed(encoded)).toBe(COMPRESSION);
      const serialised = ProtoPayload.encode(payload).finish().length;
      expect(encoded?.data?.length).toBeLessThan(serialised / 3);
      const [decoded] = await codec.decode([encoded as Payload]);
      expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(DEFINITION_LIKE);
      expect(utf8(decoded?.metadata?.['encoding'])).toBe('json/plain');
      // What is compressed is still only ciphertext: no label of the definition survives in clear.
      for (const text of ['deqing-community-correction', '德清县', 'judicial-office']) expect(Buffer.from(encoded?.data ?? []).includes(Buffer.from(text))).toBe(false);
    });

    it('leaves small payloads, and payloads that do not shrink, uncompressed, and decodes them the same', async () => {
      const small = plain(SECRET);
      const random = defaultPayloadConverter.toPayload(randomBytes(4 * COMPRESSION_THRESHOLD_BYTES)) as Payload;
      const encoded = await codec.encode([small, random]);
      expect(encoded.map(compressed)).toEqual(['', '']);
      expect(encoded.map((p) => p.data?.length)).toEqual([small, random].map((p) => 12 + ProtoPayload.encode(p).finish().length + 16));
      expect(await codec.decode(encoded)).toEqual([small, random].map((p) => ({ metadata: p.metadata, data: p.data })));
    });

    it('compresses nothing when told not to, or with an infinite threshold', async () => {
      const [unasked] = [codec.encrypt(plain(DEFINITION_LIKE), { compress: false })];
      const [never] = await new EncryptionCodec(keyringOf([OLD]), { compressionThresholdBytes: Infinity }).encode([plain(DEFINITION_LIKE)]);
      expect([unasked, never].map(compressed)).toEqual(['', '']);
      expect((await codec.decode([unasked, never as Payload])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([DEFINITION_LIKE, DEFINITION_LIKE]);
    });

    it('still decodes payloads encrypted before compression existed (no flag, no additional data)', async () => {
      const before = sealed(OLD, ProtoPayload.encode(plain(DEFINITION_LIKE)).finish(), undefined);
      const [decoded] = await codec.decode([before]);
      expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(DEFINITION_LIKE);
    });

    it('refuses a payload whose compression flag was removed, added or changed, before inflating anything', async () => {
      const [deflated] = await codec.encode([plain(DEFINITION_LIKE)]);
      const { [COMPRESSION_METADATA]: _flag, ...unflagged } = deflated?.metadata ?? {};
      await expect(codec.decode([{ ...deflated, metadata: unflagged }])).rejects.toThrow(
        new PayloadDecryptionError('a payload encrypted with the key "k-2025" fails authentication: it was altered, or the key "k-2025" here is not the one that encrypted it'),
      );
      const [uncompressed] = await codec.encode([plain(SECRET)]);
      const flagged = { ...uncompressed, metadata: { ...uncompressed?.metadata, [COMPRESSION_METADATA]: Buffer.from(COMPRESSION) } };
      await expect(codec.decode([flagged])).rejects.toThrow('fails authentication');
      const gzip = { ...deflated, metadata: { ...deflated?.metadata, [COMPRESSION_METADATA]: Buffer.from('gzip') } };
      await expect(codec.decode([gzip])).rejects.toThrow('a payload is compressed with "gzip"; procureflow inflates only deflate-raw');
    });

    it('refuses to inflate a payload beyond the cap (a decompression bomb), with a message saying so', async () => {
      expect(MAX_INFLATED_BYTES).toBe(16 * 1024 * 1024);
      // 20 MiB of zeros deflates to about 20 KB: authentic, under Temporal's payload limit, and a bomb.
      const bomb = sealed(OLD, deflateRawSync(ProtoPayload.encode({ metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.alloc(20 * 1024 * 1024) }).finish()), COMPRESSION);
      expect(bomb.data?.length).toBeLessThan(100_000);
      await expect(codec.decode([bomb])).rejects.toThrow(
        new PayloadDecryptionError(`a compressed payload encrypted with the key "k-2025" inflates to more than ${MAX_INFLATED_BYTES} bytes, the most procureflow accepts; it was not inflated`),
      );
    });

    it('does not compress a payload beyond the cap, so whatever it encodes it can decode', async () => {
      const capped = new EncryptionCodec(keyringOf([OLD]), { maxInflatedBytes: 4096 });
      const [large] = await capped.encode([plain(DEFINITION_LIKE)]);
      expect(compressed(large)).toBe('');
      expect(defaultPayloadConverter.fromPayload((await capped.decode([large as Payload]))[0] as Payload)).toEqual(DEFINITION_LIKE);
    });

    it('refuses authentic ciphertext flagged as compressed that is not DEFLATE data', async () => {
      await expect(codec.decode([sealed(OLD, Buffer.from('\xff\xff not deflate'), COMPRESSION)])).rejects.toThrow(
        'a compressed payload encrypted with the key "k-2025" is authentic but does not inflate as deflate-raw',
      );
    });

    it('tells what a compressed payload would have cost uncompressed, to the byte', async () => {
      const payload = plain(DEFINITION_LIKE);
      const [deflated] = await codec.encode([payload]);
      const [decoded] = await codec.decode([deflated as Payload]);
      const equivalent = uncompressedEquivalent(deflated as Payload, decoded as Payload);
      const uncompressed = codec.encrypt(payload, { compress: false });
      expect(ProtoPayload.encode(equivalent).finish().length).toBe(ProtoPayload.encode(uncompressed).finish().length);
      expect(compressed(equivalent)).toBe('');
      const [small] = await codec.encode([plain(SECRET)]);
      expect(uncompressedEquivalent(small as Payload, plain(SECRET))).toBe(small);
    });
  });

  it('refuses a keyring whose active key it does not hold', () => {
    expect(() => new EncryptionCodec({ keys: [OLD], activeKeyId: 'k-2026' })).toThrow('the active payload key "k-2026" is not in the keyring');
  });
});
