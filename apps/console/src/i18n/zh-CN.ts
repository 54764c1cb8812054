/**
 * The console's own text in Chinese, the default language. Every key here must exist in en.ts too (the
 * type of that catalog enforces it). Placeholders are written `{name}` and filled by `t(key, { name })`.
 * Text that comes from a definition (step titles, form labels) is not here: definitions carry both languages.
 */
export const zhCN = {
  'app.name': 'procureflow 政府购买服务',
  'app.loading': '正在加载…',
  'locale.switch': 'English',
  'error.withCorrelation': '{message}（请求编号 {requestId}）',
  'error.network': '无法连接服务器，请检查网络后重试',
  'action.retry': '重试',
  'nav.label': '导航',
  'nav.open': '打开导航',
  'nav.skipToContent': '跳到正文',
  'nav.home': '首页',
  'session.who': '当前用户',
  'session.user': '用户',
  'session.roles': '角色',
  'session.jurisdiction': '辖区',
  'session.vendor': '所属机构',
  'session.expires': '登录有效期至',
  'session.signOut': '退出',
  'signIn.title': '登录',
  'signIn.devUsers': '开发用户',
  'signIn.devUsersHint': '本服务器由 npm start 启动，可直接以下列开发用户登录。',
  'signIn.as': '以{name}登录',
  'signIn.enter': '登录',
  'signIn.token': '使用访问令牌',
  'signIn.tokenHint': '粘贴身份认证系统签发的访问令牌（Bearer 令牌）。',
  'signIn.tokenLabel': '访问令牌',
  'signIn.tokenRequired': '请粘贴访问令牌',
  'signIn.submit': '登录',
  'home.title': '{name}，您好',
  'home.pages': '您可以使用',
  'notFound.title': '页面不存在',
  'notFound.detail': '请检查地址，或从导航进入。',
} as const;

export type MessageKey = keyof typeof zhCN;
