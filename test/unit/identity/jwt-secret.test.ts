import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jwtSecretPath, resolveJwtSecret } from '../../../src/identity/jwt-secret.js';
import { scratchDir } from '../../support/test-environment.js';

describe('resolveJwtSecret', () => {
  it('prefers PROCUREFLOW_JWT_SECRET and then writes no file', async () => {
    const dataDir = await scratchDir('secret-env');
    const secret = 'x'.repeat(40);
    await expect(resolveJwtSecret({ jwtSecret: secret, dataDir })).resolves.toEqual({ secret, source: 'PROCUREFLOW_JWT_SECRET' });
    await expect(stat(jwtSecretPath(dataDir))).rejects.toThrow('ENOENT');
  });

  it('otherwise generates one in the data directory, owner-only, and keeps it', async () => {
    const dataDir = path.join(await scratchDir('secret-file'), 'not-yet-created');
    const first = await resolveJwtSecret({ jwtSecret: undefined, dataDir });
    expect(first.source).toBe(path.join(dataDir, 'jwt-secret'));
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect((await stat(first.source)).mode & 0o777).toBe(0o600);
    expect((await readFile(first.source, 'utf8')).trim()).toBe(first.secret);
    await expect(resolveJwtSecret({ jwtSecret: undefined, dataDir })).resolves.toEqual(first);
  });

  it('gives every one of several processes starting at once the same secret', async () => {
    const dataDir = await scratchDir('secret-race');
    const secrets = await Promise.all(Array.from({ length: 8 }, () => resolveJwtSecret({ jwtSecret: undefined, dataDir })));
    expect(new Set(secrets.map((s) => s.secret)).size).toBe(1);
  });

  it('refuses a file that holds no usable secret, saying what to do', async () => {
    const dataDir = await scratchDir('secret-bad');
    await writeFile(jwtSecretPath(dataDir), 'short\n');
    await expect(resolveJwtSecret({ jwtSecret: undefined, dataDir })).rejects.toThrow('holds no usable token secret (fewer than 32 characters): delete it');
  });
});
