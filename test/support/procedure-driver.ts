import type { FieldDefinitionT, ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { decide, startEngine } from '../../workflows/engine/interpreter.js';
import { type CaseEvidenceQuery, caseEvidenceQuery } from '../../workflows/engine/nodes/ledger-periods.js';
import type { Actor, Bid, CaseEvidence, EngineCommand, EngineContext, EngineEvent, EngineState, FormValues, TaskInstance, TaskPayload } from '../../workflows/engine/types.js';

/**
 * Drives the pure interpreter through a whole procedure the way its users would: every open task is
 * decided by a person holding its role (a second person where four-eyes demands it), bids arrive
 * while bidding is open, and time moves to the earliest pending timer when nobody has anything to do.
 * Used to prove that every shipped procedure can be carried out from launch to payment.
 */
export interface DriveResult {
  readonly state: EngineState;
  readonly commands: EngineCommand[];
  readonly decisions: Array<{ task: TaskInstance; actor: Actor; outcome: string }>;
}

export interface DriveOptions {
  readonly bidders?: number;
  /** Bid prices and contract amounts, in fen. */
  readonly amountFen?: (budgetTotal: number, winners: number) => number;
  readonly maxSteps?: number;
}

export function actorFor(role: string, jurisdiction: string, second = false): Actor {
  return { userId: `${second ? 'second' : 'first'}.${role}`, name: `${role}${second ? ' 2' : ''}`, roles: [role], jurisdiction };
}

/** A value each field accepts: within its bounds, from its choices, large enough to be a real amount. */
export function plausibleValue(field: FieldDefinitionT): string | number | boolean {
  if (field.default !== undefined) return field.default;
  switch (field.type) {
    case 'money':
      return Math.min(field.max ?? Number.MAX_SAFE_INTEGER, Math.max(field.min ?? 0, 1_000_000));
    case 'int':
      return Math.min(field.max ?? Number.MAX_SAFE_INTEGER, Math.max(field.min ?? 0, 10));
    case 'bool':
      return true;
    case 'date':
      return '2026-03-02';
    case 'string':
      return field.oneOf?.[0] ?? '测试'.padEnd(Math.max(field.minLength ?? 2, 2), '测');
  }
}

export function formFor(fields: readonly FieldDefinitionT[]): FormValues {
  return Object.fromEntries(fields.map((field) => [field.id, plausibleValue(field)]));
}

export class ProcedureDriver {
  state!: EngineState;
  now: string;
  readonly commands: EngineCommand[] = [];
  readonly decisions: DriveResult['decisions'] = [];
  private readonly timers = new Map<string, string>();
  /**
   * What the contract's case evidence gives a ledger submission's case lines, as the contract workflow's
   * activity would (default: no cases, every line 0); the driver passes it with each happy submission.
   */
  caseEvidence: (query: CaseEvidenceQuery) => Record<string, number> = (query) => Object.fromEntries(query.lines.map((line) => [line.id, 0]));

  constructor(
    readonly context: EngineContext,
    startAt = '2026-03-02T01:00:00.000Z',
  ) {
    this.now = startAt;
  }

  get definition(): ProcedureDefinition {
    return this.context.definition;
  }

  start(start: Parameters<typeof startEngine>[1]): this {
    const decision = startEngine(this.context, start, this.now);
    if (!decision.ok) throw new Error(`start refused: ${decision.message}`);
    this.accept(decision);
    return this;
  }

  /** Applies an event and fails loudly when the interpreter refuses it. */
  apply(event: EngineEvent): void {
    const decision = decide(this.context, this.state, event);
    if (!decision.ok) throw new Error(`${event.type} refused (${decision.code}): ${decision.message}`);
    this.accept(decision);
  }

  /** Applies an event and returns the refusal, for tests of rules. */
  attempt(event: EngineEvent) {
    const decision = decide(this.context, this.state, event);
    if (decision.ok) this.accept(decision);
    return decision;
  }

  private accept(decision: Extract<ReturnType<typeof decide>, { ok: true }>): void {
    this.state = decision.state;
    for (const command of decision.commands) {
      this.commands.push(command);
      if (command.type === 'startTimer') this.timers.set(command.timerId, command.until);
      if (command.type === 'cancelTimer') this.timers.delete(command.timerId);
    }
  }

  openTasks(): TaskInstance[] {
    return this.state.tasks.filter((task) => task.status === 'open');
  }

  /**
   * What a decision of `task` carries when the contract workflow would ask for case evidence (a ledger
   * submission with case lines): `caseEvidence` from `this.caseEvidence`, as of now. Otherwise nothing.
   */
  caseEvidenceFor(task: TaskInstance): { caseEvidence?: CaseEvidence } {
    const query = caseEvidenceQuery(this.context, this.state, task.id);
    return query ? { caseEvidence: { through: this.now, lines: this.caseEvidence(query) } } : {};
  }

  /** Decides `task` the way a diligent person would: approving with a complete form. */
  decideHappily(task: TaskInstance): void {
    const { outcome, fields, payload } = this.happyDecision(task);
    for (const second of [false, true]) {
      const actor = actorFor(task.role, this.context.jurisdiction, second);
      const event: EngineEvent = { type: 'taskDecided', at: this.now, taskId: task.id, outcome, actor, fields, ...(payload ? { payload } : {}), ...this.caseEvidenceFor(task) };
      const decision = decide(this.context, this.state, event);
      if (decision.ok) {
        this.decisions.push({ task, actor, outcome });
        this.accept(decision);
        return;
      }
      if (!(decision.code === 'forbidden' && decision.message.startsWith('four-eyes'))) throw new Error(`deciding "${task.id}" refused: ${decision.message}`);
    }
    throw new Error(`nobody may decide "${task.id}"`);
  }

  /**
   * The complete, approving decision of `task`. `view` gives the bids and budget to award from when
   * they come from elsewhere (a workflow's snapshot) rather than from this driver's own state.
   */
  happyDecision(task: TaskInstance, view: { bids: readonly Bid[]; budgetTotal: number } = { bids: this.state.bids, budgetTotal: this.state.values.budget?.['total'] ?? 0 }): { outcome: 'submit' | 'approve'; fields: FormValues; payload?: TaskPayload } {
    const step = this.definition.steps.find((s) => s.id === task.stepId);
    if (!step) throw new Error(`no step ${task.stepId}`);
    switch (task.kind) {
      case 'award': {
        if (step.kind !== 'vendorSelection') throw new Error('award outside vendor selection');
        const qualified = view.bids.filter((bid) => bid.qualified);
        const winners = qualified.slice(0, step.selection.awards.maxWinners);
        const budget = view.budgetTotal;
        const each = Math.floor(budget / Math.max(1, winners.length));
        return {
          outcome: 'approve',
          fields: {},
          payload: {
            kind: 'award',
            // A criterion the definition computes (`computed`) is not the panel's to score.
            scores: Object.fromEntries(qualified.map((bid) => [bid.bidId, Object.fromEntries(step.selection.evaluation.criteria.filter((c) => c.computed === undefined).map((c) => [c.id, 90]))])),
            // An equal share of the budget, but never above what the vendor bid.
            winners: winners.map((bid) => ({ bidId: bid.bidId, amountFen: Math.min(each, bid.priceFen) })),
          },
        };
      }
      case 'evaluation': {
        if (step.kind !== 'performanceManagement') throw new Error('evaluation outside performance management');
        return { outcome: 'approve', fields: {}, payload: { kind: 'evaluation', scores: Object.fromEntries(step.performance.evaluation.indicators.filter((i) => i.score === undefined).map((i) => [i.id, 90])) } };
      }
      case 'acceptance':
        return { outcome: 'approve', fields: {}, payload: { kind: 'acceptance', passed: true, recipientOpinions: ['服务对象满意 satisfied'] } };
      case 'ledgerSubmission': {
        if (step.kind !== 'performanceManagement') throw new Error('ledger outside performance management');
        // Lines filled from case evidence are not the vendor's to type.
        return { outcome: 'submit', fields: {}, payload: { kind: 'ledger', lines: formFor(step.performance.ledger.lines.filter((line) => typeof line.source !== 'object')) } };
      }
      case 'ledgerConfirmation':
        return { outcome: 'approve', fields: {} };
      case 'challengeAnswer':
        return { outcome: 'submit', fields: { finding: 'dismissed', reasons: '质疑事项缺乏事实依据 the grounds are not borne out' } };
      case 'form': {
        const node = step.flow.nodes.flatMap((n) => (n.type === 'parallel' ? n.tasks : [n])).find((n) => n.id === task.nodeId);
        if (!node || node.type !== 'task') throw new Error(`no task node ${task.nodeId}`);
        const positive = node.decisions.find((d) => d.outcome === 'approve' || d.outcome === 'submit');
        if (!positive || (positive.outcome !== 'approve' && positive.outcome !== 'submit')) throw new Error(`task ${task.nodeId} cannot be approved`);
        return { outcome: positive.outcome, fields: formFor(node.form) };
      }
    }
  }

  submitBids(count: number): void {
    for (let i = 1; i <= count; i++) {
      const bid: Bid = { bidId: `bid-${i}`, vendorId: `vendor-${i}`, vendorName: `承接机构${i}`, priceFen: 1_000_000 * i, qualified: true, submittedAt: this.now };
      this.apply({ type: 'bidSubmitted', at: this.now, bid, actor: actorFor('procurement-centre', this.context.jurisdiction) });
    }
  }

  /** Moves time to the earliest pending timer and fires it. */
  fireNextTimer(): boolean {
    const next = [...this.timers.entries()].sort(([, a], [, b]) => a.localeCompare(b))[0];
    if (!next) return false;
    const [timerId, until] = next;
    this.timers.delete(timerId);
    if (until > this.now) this.now = until;
    this.apply({ type: 'timerFired', at: this.now, timerId });
    return true;
  }

  /**
   * Decides every other task happily, hands in `bidders` bids when bidding opens, and lets time pass,
   * until a task of `nodeId` is open; returns it.
   */
  advanceTo(nodeId: string, bidders = 2): TaskInstance {
    for (let steps = 0; steps < 500; steps++) {
      const open = this.openTasks();
      const wanted = open.find((task) => task.nodeId === nodeId);
      if (wanted) return wanted;
      if (this.state.biddingOpen && this.state.bids.length === 0) this.submitBids(bidders);
      else if (open[0]) this.decideHappily(open[0]);
      else if (!this.fireNextTimer()) break;
    }
    throw new Error(`no task of "${nodeId}" opened`);
  }

  pendingTimers(): string[] {
    return [...this.timers.keys()];
  }

  /** Runs until the scope ends: decide open tasks, bid when bidding opens, else let time pass. */
  runToEnd(options: DriveOptions = {}): this {
    for (let steps = 0; steps < (options.maxSteps ?? 2000); steps++) {
      if (this.state.status !== 'running') return this;
      if (this.state.biddingOpen && this.state.bids.length === 0) {
        this.submitBids(options.bidders ?? 4);
        continue;
      }
      const task = this.openTasks()[0];
      if (task) {
        this.decideHappily(task);
        continue;
      }
      // Pending SLA timers are not waited for when work remains; here nothing remains but time.
      if (!this.fireNextTimer()) throw new Error(`stuck at node "${this.state.nodeId}" of step ${this.state.stepIndex} with nothing to do`);
    }
    throw new Error('the procedure did not end');
  }
}
