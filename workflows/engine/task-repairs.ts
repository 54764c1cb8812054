/**
 * Ops staff's repairs of an open task: extend its deadline, hand it to another role the procedure
 * declares, or escalate it now to the role its definition escalates to. Each is an event of the pure
 * engine, so the workflow's update validator refuses exactly what the handler would (nothing recorded on
 * refusal), and each leaves a `taskRepaired` command with the reason for the audit trail.
 */
import { jurisdictionAllows, OPS_ROLE, VENDOR_ROLE } from '../../src/identity/identity.js';
import { deadlineAfter } from './deadlines.js';
import { Refusal, type Run } from './run.js';
import type { EngineEvent, TaskInstance } from './types.js';

type TaskRepaired = Extract<EngineEvent, { type: 'taskRepaired' }>;

/** The longest reason kept; the API bounds it the same way. */
export const REPAIR_REASON_MAX = 500;

/**
 * Applies one repair. Guarantees: refuses (naming the field) a non-ops actor or one of another
 * jurisdiction (forbidden), a task that is not open or cannot take the repair (conflict), and a repair
 * that would move a deadline earlier, name an undeclared role or hand a vendor's task on (invalid);
 * otherwise the task changes in the state, a `taskOpened` with it and a `taskRepaired` are emitted, and an
 * extension re-arms the task's SLA timer when it has not escalated yet.
 */
export function repairTask(run: Run, event: TaskRepaired): void {
  const { actor, repair } = event;
  if (!actor.roles.includes(OPS_ROLE) || actor.vendorId !== undefined) throw new Refusal('forbidden', `only the "${OPS_ROLE}" role may repair a task`);
  if (!jurisdictionAllows(actor.jurisdiction, run.context.jurisdiction)) {
    throw new Refusal('forbidden', `this ${run.state.scope} belongs to jurisdiction "${run.context.jurisdiction}"; you act for "${actor.jurisdiction}"`);
  }
  const reason = event.reason.trim();
  if (!reason) throw new Refusal('invalid', 'a repair must say why', 'reason');
  if (reason.length > REPAIR_REASON_MAX) throw new Refusal('invalid', `a reason is at most ${REPAIR_REASON_MAX} characters`, 'reason');
  const task = run.state.tasks.find((candidate) => candidate.id === event.taskId);
  if (!task) throw new Refusal('invalid', `there is no task "${event.taskId}" in this ${run.state.scope}`, 'taskId');
  if (task.status !== 'open') throw new Refusal('conflict', `task "${task.title.zh}" is no longer open (${task.status})`);
  run.requestId = event.requestId;

  let repaired: TaskInstance;
  switch (repair.kind) {
    case 'extend': {
      // A challenge's hold has stopped the task's clock and will restart it with the time it had left, so an
      // extension now would be overwritten on resumption: it waits for the hold to end.
      const hold = [run.state.signingHold, run.state.performanceHold].find((candidate) => candidate && Object.hasOwn(candidate.remainingMs, task.id));
      if (hold) throw new Refusal('conflict', `the deadline of task "${task.title.zh}" is suspended by challenge ${hold.challengeIds.join(', ')}: extend it once the hold ends`);
      repaired = { ...task, dueAt: extendedDue(run, task, repair) };
      break;
    }
    case 'reassign': {
      if (task.role === VENDOR_ROLE) throw new Refusal('invalid', `task "${task.title.zh}" is the vendor's own: it cannot be handed to another role or vendor`, 'role');
      if (repair.role === VENDOR_ROLE) throw new Refusal('invalid', 'a task cannot be handed to a vendor', 'role');
      if (!run.definition.roles.some((role) => role.id === repair.role)) {
        throw new Refusal('invalid', `role "${repair.role}" is not declared by this procedure (${run.definition.roles.map((role) => role.id).join(', ')})`, 'role');
      }
      if (repair.role === task.role) throw new Refusal('invalid', `task "${task.title.zh}" is already held by role "${task.role}"`, 'role');
      repaired = { ...task, role: repair.role };
      break;
    }
    case 'escalate': {
      if (!task.escalateTo) throw new Refusal('conflict', `task "${task.title.zh}" has no escalation target in its definition`);
      if (task.escalatedTo.includes(task.escalateTo)) throw new Refusal('conflict', `task "${task.title.zh}" has already escalated to "${task.escalateTo}"`);
      repaired = { ...task, escalatedTo: [...task.escalatedTo, task.escalateTo] };
      break;
    }
  }
  run.state.tasks = run.state.tasks.map((candidate) => (candidate.id === task.id ? repaired : candidate));
  run.emit({ type: 'taskOpened', task: repaired });
  // The SLA timer only ever escalates, so it needs re-arming only while there is an escalation to come;
  // an escalated task keeps its target, and the new due time alone decides whether it is late.
  if (repair.kind === 'extend' && repaired.dueAt && repaired.escalateTo && !repaired.escalatedTo.includes(repaired.escalateTo)) {
    run.emit({ type: 'startTimer', timerId: `sla:${task.id}`, until: repaired.dueAt, purpose: 'sla' });
  }
  if (repair.kind === 'escalate') run.emit({ type: 'cancelTimer', timerId: `sla:${task.id}` });
  run.emit({
    type: 'taskRepaired',
    at: run.at,
    actor,
    task: repaired,
    before: { role: task.role, escalatedTo: task.escalatedTo, ...(task.dueAt ? { dueAt: task.dueAt } : {}) },
    repair,
    reason,
    ...(event.requestId ? { requestId: event.requestId } : {}),
  });
}

/** The new due time of an extension: later than the current one (or than now, for a task without one). */
function extendedDue(run: Run, task: TaskInstance, repair: Extract<TaskRepaired['repair'], { kind: 'extend' }>): string {
  const current = task.dueAt ?? run.at;
  if ((repair.until === undefined) === (repair.workingDays === undefined)) throw new Refusal('invalid', 'an extension names either a new due time or a number of working days', 'until');
  if (repair.workingDays !== undefined) {
    if (!Number.isInteger(repair.workingDays) || repair.workingDays < 1) throw new Refusal('invalid', 'an extension adds at least one whole working day', 'workingDays');
    try {
      return deadlineAfter(run.context, current, { businessDays: repair.workingDays });
    } catch (error) {
      throw new Refusal('invalid', `the extended deadline cannot be computed: ${(error as Error).message}`, 'workingDays');
    }
  }
  const until = Date.parse(repair.until ?? '');
  if (Number.isNaN(until)) throw new Refusal('invalid', 'the new due time must be an ISO instant', 'until');
  if (until <= Date.parse(current)) throw new Refusal('invalid', `an extension moves the due time later than ${current}, never earlier`, 'until');
  return new Date(until).toISOString();
}
