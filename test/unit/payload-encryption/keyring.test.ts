import { randomBytes } from 'node:crypto';
import { formatPayloadKey, generatePayloadKey, keyringOf, parsePayloadKeys } from '../../../src/payload-encryption/keyring.js';

const base64 = (bytes: Buffer) => bytes.toString('base64');

describe('payload key lists', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('reads ids and 32-byte keys separated by commas, spaces or lines, with comments', () => {
    const keys = parsePayloadKeys(`# the old key\nk-2025:${base64(a)}\n\n k-2026:${a.toString('base64url')}, k-2027:${base64(b).replace(/=+$/, '')} # newest`);
    expect(keys.map((key) => key.id)).toEqual(['k-2025', 'k-2026', 'k-2027']);
    expect(keys[0]?.key.equals(a)).toBe(true);
    expect(keys[1]?.key.equals(a)).toBe(true);
    expect(keys[2]?.key.equals(b)).toBe(true);
  });

  it('reads back what it writes, and generates distinct keys with distinct ids', () => {
    const generated = [generatePayloadKey(new Date('2026-03-02T00:00:00Z')), generatePayloadKey(new Date('2026-03-02T00:00:00Z'))];
    expect(generated[0]?.id).toMatch(/^local-20260302-[0-9a-f]{6}$/);
    expect(generated[0]?.id).not.toBe(generated[1]?.id);
    expect(generated[0]?.key.equals(generated[1]?.key ?? Buffer.alloc(0))).toBe(false);
    expect(parsePayloadKeys(generated.map(formatPayloadKey).join('\n'))).toEqual(generated);
  });

  it.each([
    ['', 'lists no key'],
    [`k1${base64(a)}`, 'entry 1 is not <id>:<base64 key> (no ":" in it)'],
    [`k1:${base64(a)},k1:${base64(b)}`, 'entry 2 repeats the key id "k1"'],
    [`bad*id:${base64(a)}`, 'entry 1 has the key id "bad*id"'],
    [`k1:${base64(randomBytes(16))}`, 'key "k1" is not 32 bytes in base64'],
    ['k1:not*base64', 'key "k1" is not 32 bytes in base64'],
  ])('refuses %j, saying why', (text, problem) => {
    expect(() => parsePayloadKeys(text)).toThrow(problem);
  });

  it('never shows key material in a refusal', () => {
    const short = base64(randomBytes(31));
    expect(() => parsePayloadKeys(`k1:${short}`)).toThrow(Error);
    try {
      parsePayloadKeys(`k1:${short}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });

  it('makes the last key active unless another is named, and refuses an id it does not hold', () => {
    const keys = parsePayloadKeys(`old:${base64(a)},new:${base64(b)}`);
    expect(keyringOf(keys).activeKeyId).toBe('new');
    expect(keyringOf(keys, 'old').activeKeyId).toBe('old');
    expect(() => keyringOf(keys, 'other')).toThrow('names the key "other", which is not among the keys ("old", "new")');
  });
});
