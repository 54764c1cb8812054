import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../../src/payload-encryption/encryption-codec.js';
import { keyringOf, type PayloadKey } from '../../../src/payload-encryption/keyring.js';

const OLD: PayloadKey = { id: 'k-2025', key: randomBytes(32) };
const NEW: PayloadKey = { id: 'k-2026', key: randomBytes(32) };
const SECRET = { name: '张三丰', idNumber: '330521199001011234', opinion: '审前调查评估意见：建议适用社区矫正' };

const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value) as Payload;

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

  it('refuses a keyring whose active key it does not hold', () => {
    expect(() => new EncryptionCodec({ keys: [OLD], activeKeyId: 'k-2026' })).toThrow('the active payload key "k-2026" is not in the keyring');
  });
});
