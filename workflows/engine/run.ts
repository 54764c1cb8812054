/**
 * The run core of the interpreter: one event's work on a copy of the state (`Run`), the refusal that
 * undoes it, and the rules every task decision obeys. It imports no node module: what each node kind
 * does comes in through the `EngineTable` (workflows/engine/nodes/index.ts), so node modules import
 * this one and never the other way round.
 */
import type { ExpressionScope } from '../../src/definitions/expressions/expression-language.js';
import type { BrokenCheck } from '../../src/definitions/procedure/field-checks.js';
import type { EventAnchorT, FlowNodeT, ProcedureStep, TaskNodeT } from '../../src/definitions/procedure/procedure.schema.js';
import { CONTRACT_SCOPED_KINDS } from '../../src/definitions/procedure/procedure-vocabulary.js';
import { CalendarYearMissingError } from '../../src/definitions/calendars/business-calendar.js';
import type { DeadlineT } from '../../src/definitions/schema/common.schema.js';
import { anchorKey, deadlineAfter, describeAnchor } from './deadlines.js';
import { evaluate, renderValue, scopesOf } from './evaluate.js';
import type { StepOutcome, TaskStatus } from '../../src/procurement/lifecycle.js';
import type { Actor, EngineCommand, EngineContext, EngineEvent, EngineState, EngineStatus, EngineValues, FormValues, RefusalCode, TaskInstance, TaskKind } from './types.js';

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


type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** Decides a task of one kind: checks the decision, closes the task and moves the flow on. */
export type TaskDecider = (run: Run, task: TaskInstance, event: TaskDecided) => void;

/** What one node kind does: when the flow enters it, the tasks it opens and the timers it starts. */
export interface NodeHandler<N extends FlowNodeT = FlowNodeT> {
  /** The flow has moved to the node: open its tasks or timers, or move on. */
  readonly enter: (run: Run, node: N) => void;
  /** How the tasks it opens are decided, by task kind (each kind belongs to one node kind). */
  readonly tasks?: Partial<Readonly<Record<TaskKind, TaskDecider>>>;
  /** Checks a decision of one of its tasks must pass before anything is recorded. */
  readonly beforeDecision?: (run: Run, task: TaskInstance) => void;
  /** Its timers, by the prefix of the timer id (`<prefix>:<rest>`), given the rest. */
  readonly timers?: Readonly<Record<string, (run: Run, rest: string) => void>>;
}

type StepCompleted = (run: Run, step: ProcedureStep) => void;

/** The dispatch table: a handler per node kind, and what completing a step of a kind computes. */
export interface EngineTable {
  readonly nodes: { readonly [K in FlowNodeT['type']]: NodeHandler<Extract<FlowNodeT, { type: K }>> };
  readonly stepCompleted: { readonly [K in ProcedureStep['kind']]?: (run: Run, step: Extract<ProcedureStep, { kind: K }>) => void };
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
    /** What each node kind does (workflows/engine/nodes/index.ts): passed in, so this core imports no node module. */
    readonly table: EngineTable,
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

  /** The current step, which the caller needs to be of `kind` (a node of that step's flow asks). */
  stepOf<K extends ProcedureStep['kind']>(kind: K): Extract<ProcedureStep, { kind: K }> {
    const step = this.step;
    if (step.kind !== kind) throw new Error(`"${step.id}" is not a ${kind} step`);
    return step as Extract<ProcedureStep, { kind: K }>;
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
    (this.table.nodes[node.type] as NodeHandler).enter(this, node);
  }

  /** Opens a human task; with an SLA, also the timer that escalates it. */
  openTask(
    node: { id: string; title: { zh: string; en: string } },
    kind: TaskKind,
    role: string,
    sla: { within: DeadlineT; escalateTo: string } | undefined,
    parallelId?: string,
    extra: { period?: number; dueAt?: string; instanceSuffix?: string; escalateTo?: string; dueAfter?: string; awaitingCaseEvidence?: readonly string[]; caseEvidenceThrough?: string; computedIndicators?: readonly string[] } = {},
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
      ...(extra.awaitingCaseEvidence?.length ? { awaitingCaseEvidence: extra.awaitingCaseEvidence } : {}),
      ...(extra.caseEvidenceThrough ? { caseEvidenceThrough: extra.caseEvidenceThrough } : {}),
      ...(extra.computedIndicators?.length ? { computedIndicators: extra.computedIndicators } : {}),
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
  calendarDaysInstead(span: DeadlineT): string {
    return deadlineAfter(this.context, this.at, typeof span === 'string' ? span : `P${span.businessDays}D`);
  }

  /** Marks a task decided or withdrawn and says so. */
  closeTask(task: TaskInstance, status: Exclude<TaskStatus, 'open'>, decision?: { outcome: TaskInstance['outcome']; actor: Actor; comment?: string; fields?: FormValues }): void {
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

  endStep(outcome: StepOutcome, reason?: string): void {
    const step = this.step;
    if (outcome === 'completed') (this.table.stepCompleted[step.kind] as StepCompleted | undefined)?.(this, step);
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

/**
 * The role in which `actor` decides `task` (checkActor has let them): the task's own role when they hold
 * it, otherwise the latest escalation target they hold — after an escalation, whoever took it over.
 */
export function decidingRole(task: TaskInstance, actor: Actor): string {
  if (actor.roles.includes(task.role)) return task.role;
  return [...task.escalatedTo].reverse().find((role) => actor.roles.includes(role)) ?? task.role;
}

export function findNode(run: Run, nodeId: string): FlowNodeT | TaskNodeT | undefined {
  for (const node of run.step.flow.nodes) {
    if (node.id === nodeId) return node;
    if (node.type === 'parallel') {
      const inner = node.tasks.find((task) => task.id === nodeId);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
