/**
 * Who may have a workflow rebuild its read model from its state, and the step log the rebuild writes
 * `cycle_steps` from. Pure: the workflow's update validator refuses exactly what its handler would.
 */
import { jurisdictionAllows, OPS_ROLE } from '../../src/identity/identity.js';
import { REPAIR_REASON_MAX } from './task-repairs.js';
import type { StepOutcome } from '../../src/procurement/lifecycle.js';
import type { Actor, Decision, EngineCommand, EngineContext } from './types.js';

/** One opening of a step, as its `stepEntered` (and `stepEnded`, once it ended) commands said. */
export interface StepRecord {
  readonly stepId: string;
  readonly kind: string;
  readonly enteredSeq: number;
  readonly enteredAt: string;
  readonly ended?: { readonly seq: number; readonly at: string; readonly outcome: StepOutcome };
}

/**
 * Refuses (forbidden) an actor without the ops role, a vendor's staff or ops staff of another
 * jurisdiction, and (invalid, naming `reason`) a blank or overlong reason; undefined when the rebuild may go ahead.
 */
export function rebuildRefusal(context: EngineContext, actor: Actor, reason: string): Extract<Decision, { ok: false }> | undefined {
  if (!actor.roles.includes(OPS_ROLE) || actor.vendorId !== undefined) return { ok: false, code: 'forbidden', message: `only the "${OPS_ROLE}" role may rebuild a read model` };
  if (!jurisdictionAllows(actor.jurisdiction, context.jurisdiction)) {
    return { ok: false, code: 'forbidden', message: `this process belongs to jurisdiction "${context.jurisdiction}"; you act for "${actor.jurisdiction}"` };
  }
  const trimmed = reason.trim();
  if (!trimmed) return { ok: false, code: 'invalid', message: 'a rebuild must say why', field: 'reason' };
  if (trimmed.length > REPAIR_REASON_MAX) return { ok: false, code: 'invalid', message: `a reason is at most ${REPAIR_REASON_MAX} characters`, field: 'reason' };
  return undefined;
}

/**
 * The step log after `command`: a `stepEntered` opens a record, a `stepEnded` closes the newest open
 * record of its step entered before it (as the projection closes its row), anything else changes nothing.
 */
export function logStep(log: readonly StepRecord[], command: EngineCommand): readonly StepRecord[] {
  if (command.type === 'stepEntered') return [...log, { stepId: command.stepId, kind: command.stepKind, enteredSeq: command.seq, enteredAt: command.at }];
  if (command.type !== 'stepEnded') return log;
  const open = log.reduce<number>((found, record, index) => (record.stepId === command.stepId && !record.ended && record.enteredSeq < command.seq ? index : found), -1);
  return log.map((record, index) => (index === open ? { ...record, ended: { seq: command.seq, at: command.at, outcome: command.outcome } } : record));
}
