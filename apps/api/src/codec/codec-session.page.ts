import type { Identity } from '../../../../src/identity/identity.js';

/** What the sign-in page knows about the browser's session cookie. */
export type CodecSessionState =
  | { readonly kind: 'none' }
  | { readonly kind: 'signedIn'; readonly user: Identity; readonly expiresAt: Date }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * The page a person opens in the browser they use for the Temporal Web UI, to let that browser's codec
 * requests carry their access token (the Web UI of a dev server has no login of its own to forward).
 * Plain HTML and a form, no script: it must work under the strict Content-Security-Policy it is served with.
 */
export function renderCodecSessionPage(state: CodecSessionState, options: { codecEndpoint: string; webUiOrigins: readonly string[] }): string {
  const status =
    state.kind === 'signedIn'
      ? `<p class="ok">已登录 Signed in as <b>${escapeHtml(state.user.name)}</b> (${escapeHtml(state.user.userId)}, ${escapeHtml(state.user.roles.join(', '))}, ${escapeHtml(
          state.user.jurisdiction,
        )}) until ${escapeHtml(state.expiresAt.toISOString())}.</p>
<form method="post" action="/codec/session/end"><button type="submit">退出 Sign out</button></form>`
      : state.kind === 'refused'
        ? `<p class="bad">${escapeHtml(state.reason)}</p>`
        : '<p>未登录 Not signed in.</p>';
  const webUi = options.webUiOrigins.map((origin) => `<a href="${escapeHtml(origin)}">${escapeHtml(origin)}</a>`).join(', ') || 'the Temporal Web UI';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>procureflow · 工作流数据解码 Payload decoding</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}textarea{width:100%;font-family:monospace}.ok{color:#1a7f37}.bad{color:#cf222e}code{background:#f6f8fa;padding:0 .2em}</style>
</head>
<body>
<h1>工作流数据解码 Payload decoding</h1>
<p>Workflow data on the Temporal server is encrypted. To read it in ${webUi}, sign in here with the access token of a
national (<code>cn</code>) user holding the role <code>ops</code> or <code>administrator</code>; this browser then keeps it in a
cookie that only <code>${escapeHtml(options.codecEndpoint)}</code> receives, until the token expires.</p>
${status}
<form method="post" action="/codec/session">
<p><label for="token">访问令牌 Access token</label><br><textarea id="token" name="token" rows="4" required autocomplete="off" spellcheck="false"></textarea></p>
<p><button type="submit">登录 Sign in</button></p>
</form>
<p>Then, in the Web UI, open the codec server settings (the <code>&lt;/&gt;</code> icon), keep the endpoint
<code>${escapeHtml(options.codecEndpoint)}</code> and tick <b>Include cross-origin credentials</b>.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
