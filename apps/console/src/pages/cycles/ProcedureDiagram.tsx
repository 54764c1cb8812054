import { Grid, Space, Steps, Tag, Typography } from 'antd';
import type { components } from '../../api/schema.js';
import { useI18n } from '../../i18n/index.js';
import type { ProcedureOutline } from '../../api/definitions.js';

type Cycle = components['schemas']['CycleDetailDto'];
type StepState = 'done' | 'current' | 'ahead' | 'ended';

/**
 * Where each step of the procedure stands in this cycle, from the read model's step records: a step with
 * a completed record is done, one the cycle (or one of its contracts) is in is current, one that ended
 * otherwise is ended, and the rest lie ahead. Pure, so the rule is the same wherever it is drawn.
 */
export function stepStates(outline: ProcedureOutline, cycle: Cycle): Map<string, StepState> {
  const states = new Map<string, StepState>();
  // Just after a launch the read model may not have the step yet; the live workflow knows it.
  const current = new Set([cycle.currentStep ?? cycle.live?.stepId, ...cycle.contractSteps].filter((s): s is string => Boolean(s)));
  for (const step of outline.steps) {
    const records = cycle.steps.filter((record) => record.stepId === step.id);
    if (current.has(step.id) && (cycle.status === 'running' || cycle.status === 'awarded')) states.set(step.id, 'current');
    else if (records.some((record) => record.outcome === 'completed')) states.set(step.id, 'done');
    else if (records.some((record) => record.outcome === 'terminated')) states.set(step.id, 'ended');
    else states.set(step.id, 'ahead');
  }
  return states;
}

const STATUS_OF: Record<StepState, 'finish' | 'process' | 'wait' | 'error'> = { done: 'finish', current: 'process', ahead: 'wait', ended: 'error' };
const LABEL_OF = { done: 'cycle.stepDone', current: 'cycle.stepCurrent', ahead: 'cycle.stepAhead', ended: 'cycle.stepEnded' } as const;

/**
 * The procedure drawn from its compiled definition: its steps in order, each marked done / current /
 * ahead in words as well as colour, with the open tasks of the current steps and the roles holding them.
 * Nothing here knows a seed: a new jurisdiction's procedure draws the same way.
 */
export function ProcedureDiagram({ outline, cycle }: { outline: ProcedureOutline; cycle: Cycle }) {
  const { t, text } = useI18n();
  const screens = Grid.useBreakpoint();
  const states = stepStates(outline, cycle);
  return (
    <Steps
      className="pf-diagram"
      // Six steps with long titles fit side by side only on wide screens; below that they stack, never overlap.
      orientation={screens.xxl ? 'horizontal' : 'vertical'}
      items={outline.steps.map((step) => {
        const state = states.get(step.id) ?? 'ahead';
        const tasks = cycle.tasks.open.filter((task) => task.stepId === step.id);
        return {
          status: STATUS_OF[state],
          title: text(step.title) || step.id,
          description: (
            <Space orientation="vertical" size={2} data-step={step.id} data-state={state}>
              <Typography.Text className="pf-step-state">{t(LABEL_OF[state])}</Typography.Text>
              {tasks.map((task) => (
                <Tag key={task.id} className="pf-step-task">
                  {t('cycle.heldBy', { task: text(task.title), role: task.role })}
                </Tag>
              ))}
            </Space>
          ),
        };
      })}
    />
  );
}
