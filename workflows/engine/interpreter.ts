/**
 * The procurement interpreter: a pure function from (definition, state, event) to (state, commands).
 * It reads no clock, does no I/O and never throws on a business problem: an event that breaks a rule
 * is refused with a code and a message, leaving the state as it was. The Temporal workflow feeds it
 * events and carries out its commands; tests drive it directly.
 */
import type { ExpressionScope } from '../../src/definitions/expressions/expression-language.js';
import { type BrokenCheck, brokenChecks } from '../../src/definitions/procedure/field-checks.js';
import { CONTRACT_SCOPED_KINDS, type EventAnchorT, type FlowNodeT, type ProcedureStep, type TaskNodeT } from '../../src/definitions/procedure/procedure.schema.js';
import { CalendarYearMissingError } from '../../src/definitions/calendars/business-calendar.js';
import type { DeadlineT } from '../../src/definitions/schema/common.schema.js';
import { answerChallenge, changeSigning, checkSigningHold, fileChallenge, isChallengeEvent, recordContractEvent } from './challenges.js';
import { anchorKey, deadlineAfter, describeAnchor, notBeforeAfter } from './deadlines.js';
import { EvaluationFailure, evaluate, renderValue, scopesOf } from './evaluate.js';
import { checkFields } from './fields.js';
import { checkContractTask, recordFiling } from './steps/contract-filing.js';
import { enterPayment } from './steps/payment-release.js';
import { computeBudget } from './steps/budgeting.js';
import { decideAcceptance, decideEvaluation, decideLedgerTask, enterAcceptance, enterEvaluation, enterLedgerPeriods, ledgerPeriodDue } from './steps/performance-management.js';
import { acceptBid, closeBidding, decideAward, decideSelectionTask, enterAward, enterBidding } from './steps/vendor-selection.js';
import type {
  Actor,
  Decision,
  EngineCommand,
  EngineContext,
  EngineEvent,
  EngineState,
  EngineStatus,
  EngineValues,
  FormValues,
  RefusalCode,
  TaskInstance,
  TaskKind,
  TimerPurpose,
} from './types.js';

/** Refuses the event being handled; caught by `decide`, which then returns the old state untouched. */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly field?: string,
    readonly problems?: ReadonlyArray<{ readonly field: string; readonly problem: string }>,
  ) {
    super(message);
  }
}

/** Refuses a submission that breaks checks across its fields, naming each check's message and the fields it reads. */
export function refuseBrokenChecks(broken: readonly BrokenCheck[]): void {
  if (broken.length === 0) return;
  const problems = broken.flatMap((check) => check.fields.map((field) => ({ field, problem: check.message })));
  const message = broken.map((check) => `${check.message} (${check.fields.join(', ')})`).join('; ');
  throw new Refusal('invalid', message, problems[0]?.field, problems);
}

type CommandBody = EngineCommand extends infer C ? (C extends EngineCommand ? Omit<C, 'seq'> : never) : never;

/** One event's worth of work on a private copy of the state. */
export class Run {
  readonly commands: EngineCommand[] = [];
  /** The request being handled, for the audit trail of the decisions it makes. */
  requestId: string | undefined;

  constructor(
    readonly context: EngineContext,
    readonly state: EngineState,
    readonly at: string,
  ) {}

  get definition() {
    return this.context.definition;
  }

  get step(): ProcedureStep {
    const step = this.definition.steps[this.state.stepIndex];
    if (!step) throw new Error(`no step ${this.state.stepIndex}`);
    return step;
  }

  emit(command: CommandBody): void {
    this.commands.push({ ...command, seq: this.state.seq++ } as EngineCommand);
  }

  /** The expression scope of the current step (definitions/README.md, "Expressions"). */
  get scope(): ExpressionScope {
    const scopes = scopesOf(this.definition);
    if (CONTRACT_SCOPED_KINDS.includes(this.step.kind)) return scopes.contract;
    return this.step.kind === 'vendorSelection' ? scopes.selection : scopes.procedure;
  }

  get values(): EngineValues {
    return this.state.values;
  }

  node(id: string): FlowNodeT {
    const node = this.step.flow.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`step "${this.step.id}" has no node "${id}"`);
    return node;
  }

  succeed(nodeId: string): void {
    if (!this.state.succeeded.includes(nodeId)) this.state.succeeded.push(nodeId);
    this.recordEvent(anchorKey({ node: nodeId }));
  }

  /** Notes that an event happened now, for deadlines counted from it (the latest occurrence counts). */
  recordEvent(key: string): void {
    (this.state.events ??= {})[key] = this.at;
  }

  /** When an event last happened in this scope (a contract's include its cycle's), if it has. */
  eventAt(anchor: EventAnchorT): string | undefined {
    return this.state.events?.[anchorKey(anchor)];
  }

  /** Moves the flow to `nodeId` and runs it until it waits for something (a person, a timer, bids). */
  enterNode(nodeId: string): void {
    const node = this.node(nodeId);
    this.state.visits[nodeId] = (this.state.visits[nodeId] ?? 0) + 1;
    this.state.nodeId = nodeId;
    switch (node.type) {
      case 'task':
        this.openTask(node, 'form', node.role, node.sla, undefined, this.dueAfterEvent(node));
        return;
      case 'parallel':
        for (const task of node.tasks) {
          this.state.visits[task.id] = (this.state.visits[task.id] ?? 0) + 1;
          this.openTask(task, 'form', task.role, task.sla, node.id, this.dueAfterEvent(task));
        }
        return;
      case 'timer':
        this.emit({ type: 'startTimer', timerId: `wait:${node.id}#${this.state.visits[nodeId]}`, until: this.deadline(node.duration, `timer "${node.title.zh}"`) ?? this.calendarDaysInstead(node.duration), purpose: 'wait' });
        return;
      case 'branch': {
        const chosen = node.cases.find((c) => evaluate(this.scope, c.when, this.values) === true);
        this.succeed(node.id);
        this.enterNode(chosen?.next ?? node.otherwise);
        return;
      }
      case 'publish':
        this.publish(node.notice);
        this.succeed(node.id);
        this.enterNode(node.next);
        return;
      case 'end':
        this.endStep(node.outcome, node.reason?.zh);
        return;
      case 'bidding':
        enterBidding(this, node);
        return;
      case 'award':
        enterAward(this, node);
        return;
      case 'ledgerPeriods':
        enterLedgerPeriods(this, node);
        return;
      case 'evaluation':
        enterEvaluation(this, node);
        return;
      case 'acceptance':
        enterAcceptance(this, node);
        return;
      case 'payment':
        enterPayment(this, node);
        return;
    }
  }

  /** Opens a human task; with an SLA, also the timer that escalates it. */
  openTask(
    node: { id: string; title: { zh: string; en: string } },
    kind: TaskKind,
    role: string,
    sla: { within: DeadlineT; escalateTo: string } | undefined,
    parallelId?: string,
    extra: { period?: number; dueAt?: string; instanceSuffix?: string; escalateTo?: string; dueAfter?: string } = {},
  ): TaskInstance {
    const visit = this.state.visits[node.id] ?? 1;
    const dueAt = extra.dueAt ?? (sla ? this.deadline(sla.within, `the SLA of task "${node.title.zh}"`) : undefined);
    const escalateTo = extra.escalateTo ?? sla?.escalateTo;
    const task: TaskInstance = {
      id: `${node.id}#${visit}${extra.instanceSuffix ?? ''}`,
      nodeId: node.id,
      stepId: this.step.id,
      kind,
      role,
      escalatedTo: [],
      title: node.title,
      openedAt: this.at,
      ...(dueAt ? { dueAt } : {}),
      ...(escalateTo && dueAt ? { escalateTo } : {}),
      ...(extra.dueAfter && dueAt ? { dueAfter: extra.dueAfter } : {}),
      status: 'open',
      ...(extra.period !== undefined ? { period: extra.period } : {}),
      ...(parallelId ? { parallelId } : {}),
    };
    this.state.tasks.push(task);
    this.emit({ type: 'taskOpened', task });
    if (dueAt && escalateTo) this.emit({ type: 'startTimer', timerId: `sla:${task.id}`, until: dueAt, purpose: 'sla' });
    return task;
  }

  /**
   * The deadline of a task due within a span after an event, for `openTask`: none when the task has no
   * such deadline or its event has not happened yet (the deadline runs only from the event).
   */
  dueAfterEvent(node: TaskNodeT): { dueAt?: string; escalateTo?: string; dueAfter?: string } {
    if (!node.due) return {};
    const from = this.eventAt(node.due.after);
    if (!from) return {};
    const dueAt = this.deadline(node.due.within, `the deadline of task "${node.title.zh}" after ${describeAnchor(node.due.after)}`, from);
    return dueAt ? { dueAt, escalateTo: node.due.escalateTo, dueAfter: anchorKey(node.due.after) } : {};
  }

  /**
   * When a span from now ends; a span in business days of a year with no business calendar is an
   * incident for ops staff (naming the calendar file to deploy) and has no end.
   */
  deadline(span: DeadlineT, what: string, from: string = this.at): string | undefined {
    try {
      return deadlineAfter(this.context, from, span);
    } catch (error) {
      if (!(error instanceof CalendarYearMissingError)) throw error;
      this.emit({ type: 'incident', at: this.at, message: `${what} cannot be computed: ${error.message}` });
      return undefined;
    }
  }

  /** A timer cannot wait forever: without the year's calendar its business days count as calendar days. */
  private calendarDaysInstead(span: DeadlineT): string {
    return deadlineAfter(this.context, this.at, typeof span === 'string' ? span : `P${span.businessDays}D`);
  }

  /** Marks a task decided or withdrawn and says so. */
  closeTask(task: TaskInstance, status: 'decided' | 'withdrawn', decision?: { outcome: TaskInstance['outcome']; actor: Actor; comment?: string; fields?: FormValues }): void {
    const requestId = this.requestId;
    const closed: TaskInstance = {
      ...task,
      status,
      ...(decision ? { outcome: decision.outcome, decidedBy: decision.actor.userId, decidedAt: this.at } : {}),
    };
    if (decision?.outcome) this.recordEvent(anchorKey({ node: task.nodeId, outcome: decision.outcome }));
    this.state.tasks = this.state.tasks.map((candidate) => (candidate.id === task.id ? closed : candidate));
    this.emit({
      type: 'taskClosed',
      task: closed,
      ...(decision?.comment ? { comment: decision.comment } : {}),
      ...(decision ? { actor: decision.actor } : {}),
      ...(decision?.fields ? { fields: decision.fields } : {}),
      ...(decision && requestId ? { requestId } : {}),
    });
    if (task.escalateTo && task.dueAt) this.emit({ type: 'cancelTimer', timerId: `sla:${task.id}` });
  }

  publish(noticeId: string): void {
    const notice = this.definition.notices.find((candidate) => candidate.id === noticeId);
    if (!notice) throw new Error(`notice "${noticeId}" is not declared`);
    this.recordEvent(anchorKey({ notice: notice.id }));
    this.emit({
      type: 'publishNotice',
      at: this.at,
      noticeId: notice.id,
      kind: notice.kind,
      title: notice.title,
      lines: notice.lines.map((line) => ({ label: line.label, value: renderValue(evaluate(this.scope, line.value, this.values)) })),
    });
  }

  enterStep(index: number): void {
    this.state.stepIndex = index;
    const step = this.step;
    this.emit({ type: 'stepEntered', at: this.at, stepId: step.id, stepKind: step.kind });
    this.enterNode(step.flow.start);
  }

  endStep(outcome: 'completed' | 'terminated', reason?: string): void {
    const step = this.step;
    if (outcome === 'completed' && step.kind === 'budgeting') computeBudget(this, step);
    this.emit({ type: 'stepEnded', at: this.at, stepId: step.id, outcome });
    this.state.nodeId = null;
    if (outcome === 'terminated') {
      this.finish('terminated', reason ?? `ended in step "${step.title.zh}"`);
      return;
    }
    const next = this.definition.steps[this.state.stepIndex + 1];
    if (this.state.scope === 'cycle' && next && CONTRACT_SCOPED_KINDS.includes(next.kind)) {
      // The cycle's own steps are done: each winner's contract runs on in its own workflow.
      this.emit({ type: 'startContracts', at: this.at, winners: this.state.winners });
      this.state.status = 'completed';
      return;
    }
    if (!next) {
      this.finish('completed');
      return;
    }
    this.enterStep(this.state.stepIndex + 1);
  }

  finish(status: EngineStatus, reason?: string): void {
    this.state.status = status;
    if (reason) this.state.endReason = reason;
    this.emit({ type: 'ended', at: this.at, status, ...(reason ? { reason } : {}) });
  }

  openTasks(): TaskInstance[] {
    return this.state.tasks.filter((task) => task.status === 'open');
  }
}

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
      const funds: Record<string, number> = {};
      for (const [component, amount] of Object.entries(budget)) {
        // Each contract's share of a budget component, in whole fen, rounded down.
        if (component !== 'total') funds[component] = total > 0 ? Math.floor((amount * winner.amountFen) / total) : 0;
      }
      run.state.values = {
        ...structuredCopy(cycleValues),
        contract: { amount: winner.amountFen, vendorId: winner.vendorId, vendorName: winner.vendorName, funds },
        ledger: { periods: 0, totals: {} },
        kpis: {},
      };
      const first = definition.steps.findIndex((step) => CONTRACT_SCOPED_KINDS.includes(step.kind));
      run.enterStep(first);
    }
  });
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
  const run = new Run(context, structuredCopy(state), at);
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

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** The rules every decision obeys, whatever the task: open, the right jurisdiction and role, four-eyes. */
export function checkActor(run: Run, task: TaskInstance, actor: Actor): void {
  if (actor.jurisdiction !== run.context.jurisdiction) {
    throw new Refusal('forbidden', `this cycle belongs to jurisdiction "${run.context.jurisdiction}"; you act for "${actor.jurisdiction}"`);
  }
  if (actor.vendorId !== undefined) {
    // A vendor's staff act only in their own organisation's contract, never in the cycle's own steps.
    const contractor = run.state.scope === 'contract' ? run.values.contract?.vendorId : undefined;
    if (contractor !== actor.vendorId) {
      throw new Refusal('forbidden', `task "${task.title.zh}" is not for your organisation: staff of a vendor act only in their own organisation's contract`);
    }
  }
  const allowed = [task.role, ...task.escalatedTo];
  if (!actor.roles.some((role) => allowed.includes(role))) {
    throw new Refusal('forbidden', `task "${task.title.zh}" is for role ${allowed.map((r) => `"${r}"`).join(' or ')}; you hold ${actor.roles.map((r) => `"${r}"`).join(', ') || 'no role'}`);
  }
  const node = findNode(run, task.nodeId);
  const excluded = node && (node.type === 'task' || node.type === 'award') ? node.notDecidedBySameActorAs : [];
  for (const other of excluded) {
    if ((run.state.deciders[other] ?? []).includes(actor.userId)) {
      throw new Refusal('forbidden', `four-eyes rule: you decided "${other}" in this cycle, so another person must decide "${task.title.zh}"`);
    }
  }
}

function findNode(run: Run, nodeId: string): FlowNodeT | TaskNodeT | undefined {
  for (const node of run.step.flow.nodes) {
    if (node.id === nodeId) return node;
    if (node.type === 'parallel') {
      const inner = node.tasks.find((task) => task.id === nodeId);
      if (inner) return inner;
    }
  }
  return undefined;
}

function decideTask(run: Run, event: TaskDecided): void {
  run.requestId = event.requestId;
  const task = run.state.tasks.find((candidate) => candidate.id === event.taskId);
  if (!task) throw new Refusal('invalid', `there is no task "${event.taskId}" in this ${run.state.scope}`, 'taskId');
  if (task.status !== 'open') {
    throw new Refusal('conflict', `task "${task.title.zh}" is no longer open: it was ${task.status === 'decided' ? `decided (${task.outcome}) by ${task.decidedBy}` : 'withdrawn'}`);
  }
  checkActor(run, task, event.actor);
  checkNotBefore(run, task);
  checkSigningHold(run, task);
  if ((event.outcome === 'return' || event.outcome === 'reject') && !event.comment?.trim()) {
    throw new Refusal('invalid', `a decision to ${event.outcome} must say why`, 'comment');
  }
  (run.state.deciders[task.nodeId] ??= []).push(event.actor.userId);
  switch (task.kind) {
    case 'award':
      return decideAward(run, task, event);
    case 'evaluation':
      return decideEvaluation(run, task, event);
    case 'acceptance':
      return decideAcceptance(run, task, event);
    case 'ledgerSubmission':
    case 'ledgerConfirmation':
      return decideLedgerTask(run, task, event);
    case 'form':
      return decideFormTask(run, task, event);
    case 'challengeAnswer':
      return answerChallenge(run, task, event);
  }
}

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
    const parallel = run.node(task.parallelId);
    if (parallel.type !== 'parallel') throw new Error(`"${task.parallelId}" is not a parallel node`);
    // This round's sign-offs: the latest instance of each task of the parallel node.
    const roundIds = new Set(parallel.tasks.map((t) => `${t.id}#${run.state.visits[t.id] ?? 1}`));
    const siblings = run.state.tasks.filter((t) => roundIds.has(t.id));
    if (positive) {
      run.succeed(node.id);
      if (siblings.every((t) => t.status === 'decided' && (t.outcome === 'approve' || t.outcome === 'submit'))) {
        run.succeed(parallel.id);
        run.enterNode(parallel.next);
      }
      return;
    }
    for (const sibling of siblings) if (sibling.status === 'open') run.closeTask(sibling, 'withdrawn');
    const target = event.outcome === 'return' ? parallel.onReturn : parallel.onReject;
    if (!target) throw new Refusal('invalid', `"${parallel.title.zh}" does not allow "${event.outcome}"`, 'outcome');
    run.enterNode(target);
    return;
  }
  if (positive) run.succeed(node.id);
  run.enterNode(decision.next);
}

export function emptySelection(run: Run): NonNullable<EngineValues['selection']> {
  const selection = run.definition.steps.find((step) => step.kind === 'vendorSelection');
  const method = selection?.kind === 'vendorSelection' ? selection.selection.methods.default : 'openTender';
  return { method, round: 0, receivedBids: 0, qualifiedBids: 0, winners: 0 };
}

function timerFired(run: Run, timerId: string): void {
  const [purpose, rest = ''] = timerId.split(':') as [TimerPurpose | string, string?];
  switch (purpose) {
    case 'wait': {
      const [nodeId = '', visit] = rest.split('#');
      // A timer of a node the flow has left (cancelled, looped) is stale and changes nothing.
      if (run.state.nodeId !== nodeId || String(run.state.visits[nodeId]) !== visit) return;
      const node = run.node(nodeId);
      if (node.type !== 'timer') return;
      run.succeed(node.id);
      run.enterNode(node.next);
      return;
    }
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
    case 'bidding':
      closeBidding(run, rest);
      return;
    case 'ledger':
      ledgerPeriodDue(run, Number(rest));
      return;
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

/** Who may cancel, and that they say why: the same rules whether the cycle is selecting or its contracts run. */
function checkCancellation(context: EngineContext, actor: Actor, reason: string): void {
  if (actor.jurisdiction !== context.jurisdiction) throw new Refusal('forbidden', `this cycle belongs to jurisdiction "${context.jurisdiction}"`);
  if (actor.vendorId !== undefined || !actor.roles.includes('administrator')) throw new Refusal('forbidden', 'only an administrator may cancel a cycle');
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
