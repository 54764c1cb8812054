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
} as const;

export type MessageKey = keyof typeof zhCN;
