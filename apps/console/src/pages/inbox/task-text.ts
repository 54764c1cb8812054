import type { components } from '../../api/schema.js';
import type { I18n } from '../../i18n/index.js';

export type Task = components['schemas']['TaskDto'];
export type Outcome = Task['decision'] extends infer D ? (D extends { outcome: infer O } ? O : never) : never;

/** An outcome's verb in the console's language ("提交", "Approve"). */
export function outcomeLabel(outcome: Outcome, { t }: I18n): string {
  return t(`outcome.${outcome}` as const);
}
