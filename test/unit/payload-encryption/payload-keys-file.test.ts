import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePayloadKeys } from '../../../src/payload-encryption/keyring.js';
import { payloadKeysPath, resolvePayloadKeyring } from '../../../src/payload-encryption/payload-keys-file.js';
import { scratchDir } from '../../support/test-environment.js';

describe('resolvePayloadKeyring', () => {
  it('prefers PROCUREFLOW_PAYLOAD_KEYS and then writes no file', async () => {
    const dataDir = await scratchDir('keys-env');
    const keys = parsePayloadKeys(`a:${randomBytes(32).toString('base64')},b:${randomBytes(32).toString('base64')}`);
    const resolved = await resolvePayloadKeyring({ payloadKeys: keys, payloadKeyId: 'a', dataDir });
    expect(resolved).toEqual({ keyring: { keys, activeKeyId: 'a' }, source: 'PROCUREFLOW_PAYLOAD_KEYS' });
    await expect(stat(payloadKeysPath(dataDir))).rejects.toThrow('ENOENT');
  });

  it('otherwise generates one key in the data directory, owner-only, and keeps it', async () => {
    const dataDir = path.join(await scratchDir('keys-file'), 'not-yet-created');
    const first = await resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir });
    expect(first.source).toBe(path.join(dataDir, 'payload-keys'));
    expect(first.keyring.keys).toHaveLength(1);
    expect(first.keyring.activeKeyId).toBe(first.keyring.keys[0]?.id);
    expect((await stat(first.source)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    await expect(resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir })).resolves.toEqual(first);
  });

  it('gives every one of several processes starting at once the same keys', async () => {
    const dataDir = await scratchDir('keys-race');
    const resolved = await Promise.all(Array.from({ length: 8 }, () => resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir })));
    expect(new Set(resolved.map((r) => r.keyring.keys[0]?.key.toString('hex'))).size).toBe(1);
  });

  it('rotates by appending a key to the file: the new one encrypts, the old one stays', async () => {
    const dataDir = await scratchDir('keys-rotate');
    const { keyring } = await resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir });
    const file = payloadKeysPath(dataDir);
    await writeFile(file, `${await readFile(file, 'utf8')}next:${randomBytes(32).toString('base64')}\n`);
    const rotated = await resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir });
    expect(rotated.keyring.keys.map((key) => key.id)).toEqual([keyring.activeKeyId, 'next']);
    expect(rotated.keyring.activeKeyId).toBe('next');
    const pinned = await resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: keyring.activeKeyId, dataDir });
    expect(pinned.keyring.activeKeyId).toBe(keyring.activeKeyId);
    await expect(resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: 'gone', dataDir })).rejects.toThrow(
      `PROCUREFLOW_PAYLOAD_KEY_ID names the key "gone", which is not among the keys`,
    );
  });

  it('refuses a file that holds no usable keys, warning that a lost key cannot be replaced', async () => {
    const dataDir = await scratchDir('keys-bad');
    await writeFile(payloadKeysPath(dataDir), 'k1:short\n');
    await expect(resolvePayloadKeyring({ payloadKeys: undefined, payloadKeyId: undefined, dataDir })).rejects.toThrow(
      'holds no usable payload keys (key "k1" is not 32 bytes in base64',
    );
  });
});
