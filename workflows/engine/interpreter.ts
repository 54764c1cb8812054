/**
 * The procurement interpreter: a pure function from (definition, state, event) to (state, commands).
 * It reads no clock, does no I/O and never throws on a business problem: an event that breaks a rule
 * is refused with a code and a message, leaving the state as it was. The Temporal workflow feeds it
 * events and carries out its commands; tests drive it directly.
 *
 * This module dispatches: events to their handlers, task decisions by task kind and timers by their id's
 * prefix, both looked up in the node kinds' table (nodes/index.ts). The work itself is done on a `Run`
 * (run.ts) by the node modules (nodes/), the step rules (steps/) and the challenge rules (challenges.ts).
 */
import { brokenChecks } from '../../src/definitions/procedure/field-checks.js';
import { CONTRACT_SCOPED_KINDS } from '../../src/definitions/procedure/procedure-vocabulary.js';
import { NATIONAL_JURISDICTION, OPS_ROLE } from '../../src/identity/identity.js';
import { answerChallenge, changeSigning, checkPerformanceHold, checkSigningHold, fileChallenge, isChallengeEvent, recordContractEvent } from './challenges.js';
import { EvaluationFailure, evaluate, scopesOf } from './evaluate.js';
import { checkFields } from './fields.js';
import { acceptBid } from './nodes/bidding.js';
import { paymentsByTranche } from './nodes/payment.js';
import { ENGINE_TABLE } from './nodes/index.js';
import { repairTask } from './task-repairs.js';
import { checkActor, Refusal, refuseBrokenChecks, Run, structuredCopy, type TaskDecider } from './run.js';
import type { Actor, Decision, EngineCommand, EngineContext, EngineEvent, EngineState, EngineStatus, EngineValues, TaskInstance, TaskKind, TimerPurpose } from './types.js';

/** Who decides a task of each kind: the node kind that opens it, or the challenge rules for answers. */
const TASK_DECIDERS: Partial<Readonly<Record<TaskKind, TaskDecider>>> = Object.assign(
  {},
  ...Object.values(ENGINE_TABLE.nodes).map((handler) => handler.tasks ?? {}),
  { challengeAnswer: answerChallenge },
) as Partial<Record<TaskKind, TaskDecider>>;

/** The timers node kinds start, by the prefix of their id; `sla` timers belong to every task (below). */
const TIMER_HANDLERS: Readonly<Record<string, (run: Run, rest: string) => void>> = Object.assign({}, ...Object.values(ENGINE_TABLE.nodes).map((handler) => handler.timers ?? {})) as Record<string, (run: Run, rest: string) => void>;

/** Initial values of a cycle: its checked inputs and the derived values computed from them. */
export interface CycleStart {
  readonly scope: 'cycle';
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Initial values of a contract: the cycle's values and the winner it is for. */
export interface ContractStart {
  readonly scope: 'contract';
  readonly cycleValues: EngineValues;
  readonly winner: { vendorId: string; vendorName: string; amountFen: number };
  /** When the cycle's events happened, so a contract's deadlines can count from them (e.g. the winner's confirmation). */
  readonly cycleEvents?: Readonly<Record<string, string>>;
}

/**
 * Starts a cycle (its first step) or a contract (its first contract step).
 * Guarantees: refuses inputs that break their declarations or derived values that cannot be
 * computed, naming the field; otherwise returns the running state and its first commands.
 */
export function startEngine(context: EngineContext, start: CycleStart | ContractStart, at: string): Decision {
  const state: EngineState = {
    scope: start.scope,
    status: 'running',
    stepIndex: 0,
    nodeId: null,
    values: { inputs: {}, derived: {}, forms: {} },
    tasks: [],
    visits: {},
    deciders: {},
    succeeded: [],
    bids: [],
    biddingOpen: false,
    winners: [],
    ledgerLines: {},
    paidTranches: [],
    paidFen: 0,
    events: start.scope === 'contract' ? { ...(start.cycleEvents ?? {}) } : {},
    seq: 0,
  };
  return guarded(context, state, at, (run) => {
    const definition = context.definition;
    if (start.scope === 'cycle') {
      const checked = checkFields(definition.inputs, start.inputs, 'inputs');
      if (!checked.ok) throw new Refusal('invalid', checked.problems.map((p) => `${p.field} ${p.problem}`).join('; '), checked.problems[0]?.field);
      run.values.inputs = checked.values;
      const scopes = scopesOf(definition);
      definition.derived.forEach((value, index) => {
        try {
          run.values.derived[value.id] = evaluate(scopes.derived(index), value.expr, run.values);
        } catch (error) {
          throw new Refusal('invalid', `derived value "${value.id}" cannot be computed from these inputs: ${(error as Error).message}`, 'inputs');
        }
      });
      refuseBrokenChecks(brokenChecks(definition, definition.inputs, definition.inputChecks, run.values.inputs, run.values, 'inputs'));
      run.enterStep(0);
    } else {
      const { cycleValues, winner } = start;
      const budget = cycleValues.budget ?? { total: 0 };
      const total = budget['total'] ?? 0;
      const funds = context.fundSharesRoundedDown ? fundSharesRoundedDown(budget, total, winner.amountFen) : fundShares(budget, total, winner.amountFen);
      run.state.values = {
        ...structuredCopy(cycleValues),
        contract: { amount: winner.amountFen, vendorId: winner.vendorId, vendorName: winner.vendorName, funds },
        ledger: { periods: 0, totals: {} },
        kpis: {},
        payments: { paidFen: 0, byTranche: paymentsByTranche(definition, {}) },
        periods: { ledger: [] },
      };
      const first = definition.steps.findIndex((step) => CONTRACT_SCOPED_KINDS.includes(step.kind));
      run.enterStep(first);
    }
  });
}

/**
 * Each budget component's share of a contract of `amountFen`, in whole fen, adding up to the contract exactly
 * (the components add up to the total, checked at approval): each share is its exact part rounded down, and
 * the fen the rounding left over go one each to the components with the largest fractions (the earlier in
 * the budget on a tie). Exact in integers (BigInt), since component × amount can pass 2^53 fen².
 * Without the remainder a "rest of the contract" tranche of a fund could be capped short of the contract.
 */
function fundShares(budget: Readonly<Record<string, number>>, total: number, amountFen: number): Record<string, number> {
  const components = Object.entries(budget).filter(([component]) => component !== 'total');
  if (total <= 0) return Object.fromEntries(components.map(([component]) => [component, 0]));
  const whole = BigInt(total);
  const parts = components.map(([component, amount], order) => {
    const exact = BigInt(amount) * BigInt(amountFen);
    return { component, order, share: exact / whole, fraction: exact % whole };
  });
  const sum = parts.reduce((all, part) => all + part.share, 0n);
  // Fewer fen than there are components when they add up to the total (checked at approval); one each at most otherwise.
  let left = Math.max(0, Math.min(parts.length, Number(BigInt(amountFen) - sum)));
  const byFraction = [...parts].sort((a, b) => (a.fraction === b.fraction ? a.order - b.order : a.fraction > b.fraction ? -1 : 1));
  for (const part of byFraction) {
    if (left === 0) break;
    if (part.fraction === 0n) continue;
    part.share += 1n;
    left -= 1;
  }
  return Object.fromEntries(parts.map((part) => [part.component, Number(part.share)]));
}

/** The shares as contracts recorded before they added up to the contract computed them: each rounded down on its own. */
function fundSharesRoundedDown(budget: Readonly<Record<string, number>>, total: number, amountFen: number): Record<string, number> {
  const funds: Record<string, number> = {};
  for (const [component, amount] of Object.entries(budget)) {
    if (component !== 'total') funds[component] = total > 0 ? Math.floor((amount * amountFen) / total) : 0;
  }
  return funds;
}

/**
 * Applies one event. Guarantees: deterministic; on refusal returns `ok: false` and the caller keeps
 * its state (nothing happened); on success the new state and the commands to carry out, in order.
 */
export function decide(context: EngineContext, state: EngineState, event: EngineEvent): Decision {
  return guarded(context, state, event.at, (run) => {
    if (event.type === 'cancel') return cancel(run, event);
    // A cycle takes challenges (and their answers) while it waits for its contracts, too.
    if (isChallengeEvent(run, event)) return challengeEvent(run, event);
    if (run.state.status !== 'running') throw new Refusal('conflict', `this ${run.state.scope} has ended (${run.state.status})`);
    switch (event.type) {
      case 'start':
        throw new Refusal('conflict', 'already started');
      case 'taskDecided':
        return decideTask(run, event);
      case 'timerFired':
        return timerFired(run, event.timerId);
      case 'bidSubmitted':
        return acceptBid(run, event.bid, event.actor);
      case 'signingChanged':
        return changeSigning(run, event);
      case 'challengeFiled':
      case 'contractEvent':
        return challengeEvent(run, event);
      case 'taskRepaired':
        return repairTask(run, event);
    }
  });
}

/** Events about challenges: filing, answers and their deadlines (workflows/engine/challenges.ts). */
function challengeEvent(run: Run, event: EngineEvent): void {
  switch (event.type) {
    case 'challengeFiled':
      return fileChallenge(run, event);
    case 'contractEvent':
      return recordContractEvent(run, event);
    case 'taskDecided': {
      const task = run.state.tasks.find((candidate) => candidate.id === event.taskId);
      if (!task) throw new Refusal('invalid', `there is no task "${event.taskId}" in this ${run.state.scope}`, 'taskId');
      return answerChallenge(run, task, event);
    }
    case 'timerFired':
      return timerFired(run, event.timerId);
    default:
      throw new Refusal('invalid', `"${event.type}" is not an event about challenges`);
  }
}

function guarded(context: EngineContext, state: EngineState, at: string, work: (run: Run) => void): Decision {
  const run = new Run(context, structuredCopy(state), at, ENGINE_TABLE);
  try {
    work(run);
    return { ok: true, state: run.state, commands: run.commands };
  } catch (error) {
    if (error instanceof Refusal) {
      return { ok: false, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.problems ? { problems: error.problems } : {}) };
    }
    if (error instanceof EvaluationFailure) return { ok: false, code: 'invalid', message: `cannot go on: ${error.message}` };
    throw error;
  }
}

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

function decideTask(run: Run, event: TaskDecided): void {
  run.requestId = event.requestId;
  const task = run.state.tasks.find((candidate) => candidate.id === event.taskId);
  if (!task) throw new Refusal('invalid', `there is no task "${event.taskId}" in this ${run.state.scope}`, 'taskId');
  if (task.status !== 'open') {
    throw new Refusal('conflict', `task "${task.title.zh}" is no longer open: it was ${task.status === 'decided' ? `decided (${task.outcome}) by ${task.decidedBy}` : 'withdrawn'}`);
  }
  checkActor(run, task, event.actor);
  for (const handler of Object.values(ENGINE_TABLE.nodes)) handler.beforeDecision?.(run, task);
  checkSigningHold(run, task);
  checkPerformanceHold(run, task);
  if ((event.outcome === 'return' || event.outcome === 'reject') && !event.comment?.trim()) {
    throw new Refusal('invalid', `a decision to ${event.outcome} must say why`, 'comment');
  }
  (run.state.deciders[task.nodeId] ??= []).push(event.actor.userId);
  const decider = Object.hasOwn(TASK_DECIDERS, task.kind) ? TASK_DECIDERS[task.kind] : undefined;
  if (!decider) throw new Error(`no node kind decides tasks of kind "${task.kind}"`);
  decider(run, task, event);
}

function timerFired(run: Run, timerId: string): void {
  const [purpose, rest = ''] = timerId.split(':') as [TimerPurpose | string, string?];
  const own = Object.hasOwn(TIMER_HANDLERS, purpose) ? TIMER_HANDLERS[purpose] : undefined;
  if (own) return own(run, rest);
  switch (purpose) {
    case 'sla': {
      const task = run.state.tasks.find((candidate) => candidate.id === rest);
      if (!task || task.status !== 'open' || !task.escalateTo || task.escalatedTo.includes(task.escalateTo)) return;
      const escalated: TaskInstance = { ...task, escalatedTo: [...task.escalatedTo, task.escalateTo] };
      run.state.tasks = run.state.tasks.map((candidate) => (candidate.id === task.id ? escalated : candidate));
      run.emit({ type: 'taskOpened', task: escalated });
      // Every missed deadline stays in the audit trail, an SLA's as well as one the law counts from an
      // event. Replay: this adds a command to the batch the escalation projects anyway (its taskOpened),
      // so the workflow schedules the same activities as before; only later sequence numbers move up.
      if (task.dueAt) run.emit({ type: 'taskOverdue', at: run.at, task: escalated, dueAt: task.dueAt, ...(task.dueAfter ? { dueAfter: task.dueAfter } : {}) });
      return;
    }
    default:
      throw new Refusal('invalid', `unknown timer "${timerId}"`);
  }
}

function cancel(run: Run, event: Extract<EngineEvent, { type: 'cancel' }>): void {
  if (run.state.status !== 'running') throw new Refusal('conflict', `this ${run.state.scope} has already ended (${run.state.status})`);
  checkCancellation(run.context, event.actor, event.reason);
  run.requestId = event.requestId;
  run.emit({ type: 'cancelled', at: run.at, actor: event.actor, reason: event.reason, ...(event.requestId ? { requestId: event.requestId } : {}) });
  for (const task of run.openTasks()) run.closeTask(task, 'withdrawn');
  run.state.biddingOpen = false;
  run.state.nodeId = null;
  run.finish('cancelled', event.reason);
}

/**
 * Who may cancel, and that they say why: the same rules whether the cycle is selecting or its contracts run.
 * Ops staff of the cycle's jurisdiction, or national ones, may cancel too (a repair, audited like any
 * cancellation); this only widens who is accepted, so recorded histories replay unchanged.
 */
function checkCancellation(context: EngineContext, actor: Actor, reason: string): void {
  const ops = actor.vendorId === undefined && actor.roles.includes(OPS_ROLE) && (actor.jurisdiction === context.jurisdiction || actor.jurisdiction === NATIONAL_JURISDICTION);
  if (!ops) {
    if (actor.jurisdiction !== context.jurisdiction) throw new Refusal('forbidden', `this cycle belongs to jurisdiction "${context.jurisdiction}"`);
    if (actor.vendorId !== undefined || !actor.roles.includes('administrator')) throw new Refusal('forbidden', 'only an administrator or ops staff may cancel a cycle');
  }
  if (!reason.trim()) throw new Refusal('invalid', 'a cancellation must say why', 'reason');
}

/**
 * Cancels a cycle whose own steps are over while its contracts still run (the host then cancels each
 * contract). Guarantees: the same rules as any cancellation; on success the state is unchanged but for
 * the command sequence, and the one command is `cancelled`, for the audit trail.
 */
export function cancelAwardedCycle(context: EngineContext, state: EngineState, event: Extract<EngineEvent, { type: 'cancel' }>): Decision {
  return guarded(context, state, event.at, (run) => {
    if (run.state.status !== 'completed') throw new Refusal('conflict', `this cycle is ${run.state.status}, not awaiting its contracts`);
    checkCancellation(run.context, event.actor, event.reason);
    run.emit({ type: 'cancelled', at: run.at, actor: event.actor, reason: event.reason, ...(event.requestId ? { requestId: event.requestId } : {}) });
  });
}

export type { Decision, EngineCommand, EngineContext, EngineEvent, EngineState };

/**
 * Ends a cycle whose own steps completed and whose contracts have all ended: the final status is the
 * cycle's, decided by the workflow that waited for the contracts.
 */
export function concludeCycle(context: EngineContext, state: EngineState, at: string, status: EngineStatus, reason?: string): Decision {
  return guarded(context, state, at, (run) => run.finish(status, reason));
}
