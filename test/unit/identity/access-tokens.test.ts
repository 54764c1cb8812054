import { SignJWT, UnsecuredJWT } from 'jose';
import { InvalidTokenError, parseTokenLifetime, signAccessToken, verifyAccessToken } from '../../../src/identity/access-tokens.js';
import { type Identity, jurisdictionAllows } from '../../../src/identity/identity.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const WANG: Identity = { userId: 'wang.fang', name: '王芳', roles: ['administrator', 'justice-bureau'], jurisdiction: 'zj-deqing' };
const key = new TextEncoder().encode(SECRET);

/** A token with exactly these claims, signed with the test secret. */
function rawToken(claims: Record<string, unknown>, header: { alg: string } = { alg: 'HS256' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('access tokens', () => {
  it('verify to the identity they were signed for', async () => {
    const { token, expiresAt } = await signAccessToken(WANG, SECRET, { expiresInSeconds: 8 * 3600 });
    await expect(verifyAccessToken(token, SECRET)).resolves.toEqual(WANG);
    // Eight hours from the issue time the token itself carries, and the same instant the caller is told.
    const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number };
    expect(exp - iat).toBe(8 * 3600);
    expect(expiresAt.getTime()).toBe(exp * 1000);
  });

  it('carry the documented claims', async () => {
    const { token } = await signAccessToken(WANG, SECRET, { expiresInSeconds: 60 });
    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      sub: 'wang.fang',
      name: '王芳',
      roles: ['administrator', 'justice-bureau'],
      jurisdiction: 'zj-deqing',
      iss: 'procureflow',
      aud: 'procureflow-api',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
  });

  it('are refused once expired', async () => {
    const { token } = await signAccessToken(WANG, SECRET, { expiresInSeconds: 60, now: new Date(Date.now() - 120_000) });
    await expect(verifyAccessToken(token, SECRET)).rejects.toThrow(new InvalidTokenError('the access token has expired: get a new one'));
  });

  it('are refused when signed with another secret, or altered', async () => {
    const { token } = await signAccessToken(WANG, 'another-secret-that-is-long-enough-0123456789', { expiresInSeconds: 60 });
    await expect(verifyAccessToken(token, SECRET)).rejects.toThrow('not signed by this procureflow');
    const genuine = (await signAccessToken(WANG, SECRET, { expiresInSeconds: 60 })).token;
    const [header, , signature] = genuine.split('.');
    const promoted = Buffer.from(JSON.stringify({ sub: 'wang.fang', name: 'x', roles: ['administrator'], jurisdiction: 'cn', iss: 'procureflow', exp: inAnHour() })).toString('base64url');
    await expect(verifyAccessToken(`${header}.${promoted}.${signature}`, SECRET)).rejects.toThrow('not signed by this procureflow');
  });

  it('are refused unsigned or with another algorithm', async () => {
    const unsecured = new UnsecuredJWT({ name: 'n', roles: [], jurisdiction: 'cn' }).setSubject('u').setIssuer('procureflow').setExpirationTime('1h').encode();
    await expect(verifyAccessToken(unsecured, SECRET)).rejects.toThrow(InvalidTokenError);
    const hs512 = await rawToken({ sub: 'u', name: 'n', roles: [], jurisdiction: 'cn', iss: 'procureflow', exp: inAnHour() }, { alg: 'HS512' });
    await expect(verifyAccessToken(hs512, SECRET)).rejects.toThrow('must be signed with HS256');
  });

  it.each([
    ['sub', { name: 'n', roles: [], jurisdiction: 'cn', iss: 'procureflow', exp: 0 }, 'no "sub" claim'],
    ['exp', { sub: 'u', name: 'n', roles: [], jurisdiction: 'cn', iss: 'procureflow' }, 'no "exp" claim'],
    ['name', { sub: 'u', roles: [], jurisdiction: 'cn', iss: 'procureflow', exp: 0 }, 'no "name" claim'],
    ['roles', { sub: 'u', name: 'n', jurisdiction: 'cn', iss: 'procureflow', exp: 0 }, 'no "roles" claim'],
    ['jurisdiction', { sub: 'u', name: 'n', roles: [], iss: 'procureflow', exp: 0 }, 'no "jurisdiction" claim'],
  ])('are refused without %s, saying which claim is missing', async (_claim, claims, reason) => {
    const token = await rawToken({ aud: 'procureflow-api', iat: Math.floor(Date.now() / 1000), ...claims, ...('exp' in claims ? { exp: inAnHour() } : {}) });
    await expect(verifyAccessToken(token, SECRET)).rejects.toThrow(`the access token is incomplete: it has ${reason}`);
  });

  it('are refused from another issuer or with malformed claims', async () => {
    const base = { sub: 'u', name: 'n', roles: ['administrator'], jurisdiction: 'cn', aud: 'procureflow-api', iat: Math.floor(Date.now() / 1000), exp: inAnHour() };
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'someone-else' }), SECRET)).rejects.toThrow('not issued by procureflow');
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'procureflow', roles: 'administrator' }), SECRET)).rejects.toThrow('incomplete');
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'procureflow', jurisdiction: 'ZJ Deqing' }), SECRET)).rejects.toThrow(
      'jurisdiction must be lower-case words joined by hyphens',
    );
  });

  it('are refused for another audience, without an issue time, or living longer than the server allows', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'u', name: 'n', roles: ['administrator'], jurisdiction: 'cn', iss: 'procureflow', iat: now, exp: now + 3600 };
    await expect(verifyAccessToken(await rawToken({ ...base, aud: 'procureflow-api' }), SECRET)).resolves.toMatchObject({ userId: 'u' });
    await expect(verifyAccessToken(await rawToken({ ...base, aud: 'another-service' }), SECRET)).rejects.toThrow('not meant for this API');
    await expect(verifyAccessToken(await rawToken(base), SECRET)).rejects.toThrow('no "aud" claim');
    const { iat: _iat, ...withoutIssueTime } = base;
    await expect(verifyAccessToken(await rawToken({ ...withoutIssueTime, aud: 'procureflow-api' }), SECRET)).rejects.toThrow('no "iat" claim');
    // Signed with the secret for a year: the server caps a token's life at 12 hours whatever it says.
    await expect(verifyAccessToken(await rawToken({ ...base, aud: 'procureflow-api', exp: now + 365 * 86_400 }), SECRET)).rejects.toThrow('longer than this API allows (12 hours)');
    await expect(verifyAccessToken(await rawToken({ ...base, aud: 'procureflow-api', iat: now + 600, exp: now + 3600 }), SECRET)).rejects.toThrow('issue time is in the future');
    await expect(signAccessToken(WANG, SECRET, { expiresInSeconds: 12 * 3600 + 1 })).rejects.toThrow('from 1 to 43200');
  });

  it('bind a vendor user to the organisation they work for', async () => {
    const vendorId = '0b5c8c1e-4f7a-4a44-9d7e-3f1c2a9b8d01';
    const staff: Identity = { userId: 'chen.jing', name: '陈静', roles: ['vendor'], jurisdiction: 'zj-deqing', vendorId };
    await expect(verifyAccessToken((await signAccessToken(staff, SECRET, { expiresInSeconds: 60 })).token, SECRET)).resolves.toEqual(staff);
    await expect(signAccessToken({ ...staff, vendorId: undefined }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('must name the user\'s organisation');
    await expect(signAccessToken({ ...staff, roles: ['vendor', 'administrator'] }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('holds the role "vendor" and no other');
    await expect(signAccessToken({ ...staff, vendorId: 'not-a-uuid' }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('registry id (a UUID)');
    const now = Math.floor(Date.now() / 1000);
    const unbound = { sub: 'u', name: 'n', roles: ['vendor'], jurisdiction: 'zj-deqing', iss: 'procureflow', aud: 'procureflow-api', iat: now, exp: now + 60 };
    await expect(verifyAccessToken(await rawToken(unbound), SECRET)).rejects.toThrow('must name the user\'s organisation');
  });

  it('are refused when malformed', async () => {
    await expect(verifyAccessToken('not-a-token', SECRET)).rejects.toThrow('the access token is malformed: expected a JSON Web Token');
  });

  it('cannot be signed for an identity that would not verify, or with a short secret', async () => {
    await expect(signAccessToken({ ...WANG, roles: ['Administrator'] }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('each role must be lower-case');
    await expect(signAccessToken({ ...WANG, userId: '' }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('sub (the user id) must not be empty');
    await expect(signAccessToken(WANG, 'short', { expiresInSeconds: 60 })).rejects.toThrow('at least 32 characters');
    await expect(signAccessToken(WANG, SECRET, { expiresInSeconds: 0 })).rejects.toThrow('from 1 to 43200');
  });
});

describe('parseTokenLifetime', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['8h', 28_800],
    ['12h', 43_200],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseTokenLifetime(text)).toBe(seconds);
  });

  it.each(['', '8', 'h', '1.5h', '-1h', '0s', '1y', '13h', '30d'])('refuses %j', (text) => {
    expect(() => parseTokenLifetime(text)).toThrow('is not a token lifetime');
  });
});

describe('jurisdictionAllows', () => {
  it.each([
    ['zj-deqing', 'zj-deqing', true],
    ['zj-deqing', 'zj-anji', false],
    ['zj-deqing', 'cn', true],
    ['zj-deqing', null, true],
    ['cn', 'zj-anji', true],
  ] as const)('lets a caller of %s reach a definition of %s: %s', (caller, subject, allowed) => {
    expect(jurisdictionAllows(caller, subject)).toBe(allowed);
  });
});
