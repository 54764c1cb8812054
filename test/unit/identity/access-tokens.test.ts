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
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(8 * 3600_000 - 5_000);
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
    const token = await rawToken({ ...claims, ...('exp' in claims ? { exp: inAnHour() } : {}) });
    await expect(verifyAccessToken(token, SECRET)).rejects.toThrow(`the access token is incomplete: it has ${reason}`);
  });

  it('are refused from another issuer or with malformed claims', async () => {
    const base = { sub: 'u', name: 'n', roles: ['administrator'], jurisdiction: 'cn', exp: inAnHour() };
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'someone-else' }), SECRET)).rejects.toThrow('not issued by procureflow');
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'procureflow', roles: 'administrator' }), SECRET)).rejects.toThrow('incomplete');
    await expect(verifyAccessToken(await rawToken({ ...base, iss: 'procureflow', jurisdiction: 'ZJ Deqing' }), SECRET)).rejects.toThrow(
      'jurisdiction must be lower-case words joined by hyphens',
    );
  });

  it('are refused when malformed', async () => {
    await expect(verifyAccessToken('not-a-token', SECRET)).rejects.toThrow('the access token is malformed: expected a JSON Web Token');
  });

  it('cannot be signed for an identity that would not verify, or with a short secret', async () => {
    await expect(signAccessToken({ ...WANG, roles: ['Administrator'] }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('each role must be lower-case');
    await expect(signAccessToken({ ...WANG, userId: '' }, SECRET, { expiresInSeconds: 60 })).rejects.toThrow('sub (the user id) must not be empty');
    await expect(signAccessToken(WANG, 'short', { expiresInSeconds: 60 })).rejects.toThrow('at least 32 characters');
    await expect(signAccessToken(WANG, SECRET, { expiresInSeconds: 0 })).rejects.toThrow('at least 1');
  });
});

describe('parseTokenLifetime', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['8h', 28_800],
    ['30d', 2_592_000],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseTokenLifetime(text)).toBe(seconds);
  });

  it.each(['', '8', 'h', '1.5h', '-1h', '0s', '1y', '367d'])('refuses %j', (text) => {
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
