import { Tag } from 'antd';
import { stepTitle, useProcedureOutline } from '../../api/definitions.js';
import { useI18n } from '../../i18n/index.js';

/** The role that launches cycles (the API's rule; the console only avoids offering what it would refuse). */
export const ADMINISTRATOR_ROLE = 'administrator';

/** The statuses the API filters cycles by (its enum, in its order). */
export const CYCLE_STATUSES = ['running', 'awarded', 'completed', 'terminated', 'cancelled', 'failed'] as const;

/**
 * Tag colours with AA contrast on their tinted background (Ant's preset green and gold fall short); the
 * status is written out, so colour is never the only signal.
 */
const STATUS_COLOURS: Record<string, { color: string; background: string }> = {
  running: { color: '#0b4fb3', background: '#e6f0ff' },
  awarded: { color: '#5b2a86', background: '#f3e8ff' },
  completed: { color: '#1f6b2a', background: '#eaf7ec' },
  terminated: { color: '#8a1c1c', background: '#fdecec' },
  cancelled: { color: '#4b4b4b', background: '#f0f0f0' },
  failed: { color: '#8a1c1c', background: '#fdecec' },
  // A case's obligations: met, not met yet, missed (a breach), not applying.
  met: { color: '#1f6b2a', background: '#eaf7ec' },
  unmet: { color: '#7a4b00', background: '#fff4e0' },
  missed: { color: '#8a1c1c', background: '#fdecec' },
  inapplicable: { color: '#4b4b4b', background: '#f0f0f0' },
};

/** A process's status (a cycle's, a contract's, a case's) in its colour; `label` is the status in words when it is not shown as is. */
export function StatusTag({ status, label }: { status: string; label?: string }) {
  const colours = STATUS_COLOURS[status] ?? { color: '#333', background: '#f5f5f5' };
  return (
    <Tag style={{ color: colours.color, background: colours.background, borderColor: colours.color }} variant="outlined">
      {label ?? status}
    </Tag>
  );
}

/** A step by its title in the definition the cycle runs (its id until the definition is loaded, or when it has none). */
export function StepName({ definition, stepId }: { definition: { key: string; version: number }; stepId: string }) {
  const { text } = useI18n();
  const outline = useProcedureOutline(definition.key, definition.version);
  return <>{stepTitle(outline.data, stepId, text)}</>;
}
