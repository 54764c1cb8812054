import { casesMessages } from '../pages/cases/messages.js';
import { definitionsMessages } from '../pages/definitions/messages.js';
import { vendorsMessages } from '../pages/vendors/messages.js';
import { commonMessages } from './common.messages.js';
import { cyclesMessages } from '../pages/cycles/messages.js';
import { opsMessages } from '../pages/ops/messages.js';
import { tasksMessages } from '../pages/inbox/messages.js';

/**
 * Every area's messages, merged. An area (a group of pages) keeps its text next to its pages in a
 * `messages.ts` made with defineMessages, and is listed here once.
 */
const AREAS = [commonMessages, tasksMessages, cyclesMessages, definitionsMessages, vendorsMessages, casesMessages, opsMessages] as const;

type Area = (typeof AREAS)[number];
export type MessageKey = Area extends infer A ? (A extends { readonly 'zh-CN': Record<infer K, string> } ? K : never) : never;

function merge(locale: 'zh-CN' | 'en'): Record<MessageKey, string> {
  return Object.assign({}, ...AREAS.map((area) => area[locale])) as Record<MessageKey, string>;
}

export const CATALOGS = { 'zh-CN': merge('zh-CN'), en: merge('en') } as const;
