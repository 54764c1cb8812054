import { brokenChecks } from '../../../src/definitions/procedure/field-checks.js';
import { CalendarYearMissingError } from '../../../src/definitions/calendars/business-calendar.js';
import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { describeAnchor, notBeforeAfter } from '../deadlines.js';
import { checkFields } from '../fields.js';
import { findNode, Refusal, refuseBrokenChecks, type NodeHandler, type Run } from '../run.js';
import { checkContractTask, recordFiling } from '../steps/contract-filing.js';
import { decideSelectionTask } from '../steps/vendor-selection.js';
import type { EngineEvent, FormValues, TaskInstance } from '../types.js';
import { settleParallelTask } from './parallel.js';

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** A task a person decides with a form (alone, or as one sign-off of a parallel node). */
export const taskNode: NodeHandler<Extract<FlowNodeT, { type: 'task' }>> = {
  enter: (run, node) => {
    run.openTask(node, 'form', node.role, node.sla, undefined, run.dueAfterEvent(node));
  },
  tasks: { form: decideFormTask },
  beforeDecision: checkNotBefore,
};

/** A task with a waiting period after an event cannot be decided until the period has elapsed. */
function checkNotBefore(run: Run, task: TaskInstance): void {
  const node = findNode(run, task.nodeId);
  if (!node || node.type !== 'task' || !node.notBefore) return;
  const { after, elapsed } = node.notBefore;
  const from = run.eventAt(after);
  const span = typeof elapsed === 'string' ? elapsed : `${elapsed.businessDays} working days`;
  if (!from) throw new Refusal('conflict', `task "${task.title.zh}" cannot be decided until ${span} after ${describeAnchor(after)}, which has not happened yet`);
  let notBefore: string;
  try {
    notBefore = notBeforeAfter(run.context, from, elapsed);
  } catch (error) {
    if (error instanceof CalendarYearMissingError) throw new Refusal('conflict', `cannot tell when task "${task.title.zh}" may be decided: ${error.message}`);
    throw error;
  }
  if (Date.parse(run.at) < Date.parse(notBefore)) {
    throw new Refusal('conflict', `task "${task.title.zh}" cannot be decided before ${notBefore} (${span} after ${describeAnchor(after)} at ${from})`);
  }
}

function decideFormTask(run: Run, task: TaskInstance, event: TaskDecided): void {
  const node = findNode(run, task.nodeId);
  if (!node || node.type !== 'task') throw new Error(`task "${task.id}" has no task node`);
  const decision = node.decisions.find((d) => d.outcome === event.outcome);
  if (!decision) {
    throw new Refusal('invalid', `"${event.outcome}" is not a decision of "${task.title.zh}" (allowed: ${node.decisions.map((d) => d.outcome).join(', ')})`, 'outcome');
  }
  if (decision.commentRequired && !event.comment?.trim()) throw new Refusal('invalid', `"${task.title.zh}" needs a comment`, 'comment');
  const positive = event.outcome === 'approve' || event.outcome === 'submit';
  let fields: FormValues = {};
  if (positive) {
    const checked = checkFields(node.form, event.fields, 'fields');
    if (!checked.ok) throw new Refusal('invalid', checked.problems.map((p) => `${p.field} ${p.problem}`).join('; '), checked.problems[0]?.field);
    fields = checked.values;
    refuseBrokenChecks(brokenChecks(run.definition, node.form, node.checks, fields, run.values, 'fields'));
    run.values.forms[node.id] = fields;
    fields = decideSelectionTask(run, node, event, fields);
    checkContractTask(run, node, fields);
    fields = recordFiling(run, node, fields);
  }
  run.closeTask(task, 'decided', { outcome: event.outcome, actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields });

  if (task.parallelId) {
    settleParallelTask(run, task, node, event.outcome, positive);
    return;
  }
  if (positive) run.succeed(node.id);
  run.enterNode(decision.next);
}
