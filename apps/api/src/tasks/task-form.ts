import type { FieldDefinitionT, FlowNodeT, ProcedureDefinition, TaskNodeT } from '../../../../src/definitions/procedure/procedure.schema.js';
import type { OutcomeValue, TaskFormDto, TaskFormFieldDto, TaskFormNextDto, TaskFormOutcomeDto } from './tasks.dto.js';

/** Value types as a form shows them: `money` is integer fen, `choice` a string restricted by `oneOf`. */
function fieldOf(field: FieldDefinitionT): TaskFormFieldDto {
  const type = field.type === 'string' && field.oneOf ? 'choice' : field.type;
  return {
    id: field.id,
    type,
    title: { zh: field.title.zh, en: field.title.en },
    required: field.required && field.default === undefined,
    min: field.min ?? null,
    max: field.max ?? null,
    minLength: field.minLength ?? null,
    maxLength: field.maxLength ?? null,
    oneOf: field.oneOf ? [...field.oneOf] : null,
    default: field.default ?? null,
    confidential: field.confidential !== undefined,
  };
}

/** Where the flow goes: the node's title (end nodes: the step completes or the cycle ends), and whether it lies back in the flow. */
function nextOf(nodes: readonly FlowNodeT[], from: string, nextId: string | undefined): TaskFormNextDto | null {
  if (nextId === undefined) return null;
  const index = nodes.findIndex((node) => node.id === nextId);
  const node = nodes[index];
  if (!node) return null;
  const fromIndex = nodes.findIndex((candidate) => candidate.id === from || (candidate.type === 'parallel' && candidate.tasks.some((task) => task.id === from)));
  return {
    nodeId: node.id,
    type: node.type,
    title: 'title' in node && node.title ? { zh: node.title.zh, en: node.title.en } : null,
    endOutcome: node.type === 'end' ? node.outcome : null,
    // Flow order is the definition's order: a decision leading to an earlier node sends the work back.
    returns: index <= fromIndex,
  };
}

/**
 * The form of a task as the compiled definition of its cycle declares it: what the workflow checks a
 * decision against (workflows/engine/nodes/task.ts, fields.ts), so the console renders exactly that.
 * A task inside a parallel sign-off goes where the parallel node says (next / onReturn / onReject).
 * Null when the task's node is not in the definition (it never is for a deployed version).
 */
export function taskForm(definition: ProcedureDefinition, stepId: string, nodeId: string, kind: string): TaskFormDto | null {
  const step = definition.steps.find((candidate) => candidate.id === stepId);
  if (!step) return null;
  const nodes = step.flow.nodes;
  let task: TaskNodeT | undefined;
  let parallel: Extract<FlowNodeT, { type: 'parallel' }> | undefined;
  let other: FlowNodeT | undefined;
  for (const node of nodes) {
    if (node.id === nodeId) {
      if (node.type === 'task') task = node;
      else other = node;
      break;
    }
    if (node.type === 'parallel') {
      const inner = node.tasks.find((candidate) => candidate.id === nodeId);
      if (inner) {
        task = inner;
        parallel = node;
        break;
      }
    }
  }
  if (!task) {
    if (!other) return null;
    // Award, evaluation, acceptance, ledger and challenge tasks: decided with a payload, not a generic form.
    return { kind, generic: false, description: null, fields: [], checks: [], outcomes: [] };
  }
  const outcomes: TaskFormOutcomeDto[] = task.decisions.map((decision) => {
    const outcome = decision.outcome as OutcomeValue;
    const target = parallel
      ? outcome === 'return'
        ? parallel.onReturn
        : outcome === 'reject'
          ? parallel.onReject
          : parallel.next
      : decision.next;
    return {
      outcome,
      // The engine refuses a return or reject without a comment, whatever the definition says.
      commentRequired: decision.commentRequired === true || outcome === 'return' || outcome === 'reject',
      fieldsChecked: outcome === 'approve' || outcome === 'submit',
      next: nextOf(nodes, parallel?.id ?? task.id, target),
    };
  });
  return {
    kind,
    // A vendor-selection task that invites vendors carries an `invitations` payload besides its form.
    generic: kind === 'form',
    description: task.description ? { zh: task.description.zh, en: task.description.en } : null,
    fields: task.form.map(fieldOf),
    checks: (task.checks ?? []).map((check) => ({ zh: check.message.zh, en: check.message.en })),
    outcomes,
  };
}
