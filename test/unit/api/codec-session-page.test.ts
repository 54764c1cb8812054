import { cookieValue } from '../../../apps/api/src/codec/codec-http.middleware.js';
import { renderCodecSessionPage } from '../../../apps/api/src/codec/codec-session.page.js';

describe('the codec sign-in page', () => {
  const options = { codecEndpoint: 'http://127.0.0.1:3000/codec', webUiOrigins: ['http://127.0.0.1:8233'] };

  it('shows who is signed in, with every value escaped', () => {
    const html = renderCodecSessionPage(
      { kind: 'signedIn', user: { userId: 'ops"1', name: '<script>alert(1)</script>', roles: ['ops'], jurisdiction: 'cn' }, expiresAt: new Date('2026-03-02T13:00:00Z') },
      options,
    );
    expect(html).toContain('Signed in as <b>&#60;script&#62;alert(1)&#60;/script&#62;</b> (ops&#34;1, ops, cn) until 2026-03-02T13:00:00.000Z');
    expect(html).not.toContain('<script>');
    expect(html).toContain('action="/codec/session/end"');
    expect(html).toContain('<a href="http://127.0.0.1:8233">');
  });

  it('offers the form, and says why a kept token no longer serves', () => {
    expect(renderCodecSessionPage({ kind: 'none' }, options)).toContain('Not signed in');
    const refused = renderCodecSessionPage({ kind: 'refused', reason: 'The saved token is no longer valid: the access token has expired.' }, options);
    expect(refused).toContain('<p class="bad">The saved token is no longer valid');
    expect(refused).toContain('<form method="post" action="/codec/session">');
  });
});

describe('reading the session cookie', () => {
  it('finds it among others, and nothing when it is absent or empty', () => {
    expect(cookieValue('a=1; procureflow_codec=aaa.bbb.ccc; b=2', 'procureflow_codec')).toBe('aaa.bbb.ccc');
    expect(cookieValue('xprocureflow_codec=1', 'procureflow_codec')).toBeUndefined();
    expect(cookieValue('procureflow_codec=', 'procureflow_codec')).toBeUndefined();
    expect(cookieValue(undefined, 'procureflow_codec')).toBeUndefined();
  });
});
