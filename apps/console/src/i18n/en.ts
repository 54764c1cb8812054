import type { MessageKey } from './zh-CN.js';

/** The console's own text in English; the type makes a missing or extra key a build error. */
export const en: Record<MessageKey, string> = {
  'app.name': 'procureflow government service procurement',
  'app.loading': 'Loading…',
  'locale.switch': '中文',
  'error.withCorrelation': '{message} (request id {requestId})',
};
