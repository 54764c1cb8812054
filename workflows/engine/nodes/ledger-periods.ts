import { brokenChecks } from '../../../src/definitions/procedure/field-checks.js';
import type { CaseMetricT, FlowNodeT, ProcedureStep } from '../../../src/definitions/procedure/procedure.schema.js';
import { daysLate, inChinaTime, ledgerDueAt, ledgerDueOnceOpen, ledgerWindowOpensAt, periodStart } from '../deadlines.js';
import { EvaluationFailure, evaluate, scopesOf } from '../evaluate.js';
import { checkFields } from '../fields.js';
import { Refusal, refuseBrokenChecks, type NodeHandler, type Run } from '../run.js';
import type { EngineContext, EngineEvent, EngineState, EngineValues, FieldValue, PeriodReview, ServiceLevelMeasurement, TaskInstance } from '../types.js';

type PerformanceStep = Extract<ProcedureStep, { kind: 'performanceManagement' }>;
type LedgerPeriodsNode = Extract<FlowNodeT, { type: 'ledgerPeriods' }>;
type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

function performanceStep(run: Run): PerformanceStep {
  return run.stepOf('performanceManagement');
}

/**
 * The contract's ledger periods: submission and confirmation tasks per period, a timer for each later
 * period's start. Each period's submission opens at its own start and is taken in its own window, whether
 * or not the periods before it are confirmed, so several periods' ledgers can be open at once (contracts
 * recorded before that, `ledgerPeriodsInTurn`, open them in turn).
 */
export const ledgerPeriodsNode: NodeHandler<Extract<FlowNodeT, { type: 'ledgerPeriods' }>> = {
  enter: enterLedgerPeriods,
  tasks: { ledgerSubmission: decideLedgerTask, ledgerConfirmation: decideLedgerTask },
  timers: { ledger: (run, rest) => ledgerPeriodDue(run, Number(rest)), ledgerTerm: (run, rest) => termEnded(run, rest) },
};

/** Whether a ledger line is filled from case evidence rather than typed by the vendor. */
function fromCases(line: PerformanceStep['performance']['ledger']['lines'][number]): boolean {
  return typeof line.source === 'object';
}

/** A case metric as a reader says it, for messages. */
export function describeCaseMetric(metric: CaseMetricT): string {
  if (metric === 'served') return 'cases served';
  if (metric === 'staffingBreaches') return 'staffing breaches';
  return metric.measure === 'breaches' ? `breaches of obligation "${metric.obligation}"` : `the amount of obligation "${metric.obligation}"`;
}

/**
 * The values of a submission's case lines: from the case evidence the event carries, with the instant it
 * was counted up to. A submission without evidence is refused, except in contracts recorded before case
 * lines were compiled (they hold 0) and while an update validator checks it (`pending`, held at 0 meanwhile).
 */
function caseLineValues(run: Run, lines: PerformanceStep['performance']['ledger']['lines'], event: TaskDecided): { values: Record<string, number>; through?: string | 'pending' } {
  const caseLines = lines.filter(fromCases);
  if (caseLines.length === 0) return { values: {} };
  const zero = Object.fromEntries(caseLines.map((line) => [line.id, 0]));
  if (run.context.caseLinesHoldZero) return { values: zero };
  const evidence = event.caseEvidence;
  if (evidence === 'pending') return { values: zero, through: 'pending' };
  if (!evidence) {
    throw new Refusal('conflict', `the ledger's lines ${caseLines.map((line) => `"${line.id}"`).join(', ')} are compiled from case evidence, which this submission does not carry: submit it again`, 'ledger');
  }
  const values: Record<string, number> = {};
  for (const line of caseLines) {
    const value = evidence.lines[line.id];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`the case evidence gave no count for ledger line "${line.id}"`);
    values[line.id] = value;
  }
  return { values, through: evidence.through };
}

/** What the workflow must ask the case evidence for before a ledger submission is decided. */
export interface CaseEvidenceQuery {
  readonly period: number;
  /**
   * Where the ledger's count starts (ISO instant): where the last earlier period's submitted ledger stopped
   * counting (its `caseEvidenceThrough`), or, without one, the period's start. It ends at the submission.
   */
  readonly from: string;
  readonly lines: ReadonlyArray<{ readonly id: string; readonly metric: CaseMetricT }>;
}

/**
 * The case evidence a decision of task `taskId` needs: for an open ledger submission of a procedure with
 * case lines, where its count starts and those lines; otherwise undefined (nothing to ask). Pure, so the
 * workflow asks exactly when the engine will read the answer. Counting from where the previous ledger
 * stopped, each piece of evidence and each breach is counted in exactly one ledger when ledgers are
 * submitted in the order of their periods, however early in its period each is submitted.
 */
export function caseEvidenceQuery(context: EngineContext, state: EngineState, taskId: string): CaseEvidenceQuery | undefined {
  if (context.caseLinesHoldZero) return undefined;
  const task = state.tasks.find((candidate) => candidate.id === taskId);
  if (!task || task.status !== 'open' || task.kind !== 'ledgerSubmission' || task.period === undefined) return undefined;
  const step = context.definition.steps.find((candidate) => candidate.id === task.stepId);
  if (step?.kind !== 'performanceManagement') return undefined;
  const { ledger } = step.performance;
  const lines = ledger.lines.flatMap((line) => (typeof line.source === 'object' ? [{ id: line.id, metric: line.source.cases }] : []));
  const started = state.ledgerPeriod ?? (state.ledgerCalendar ? { startedAt: state.ledgerCalendar.startedAt } : undefined);
  if (lines.length === 0 || !started) return undefined;
  const period = task.period;
  const earlier = state.tasks
    .filter((t) => t.kind === 'ledgerSubmission' && t.status === 'decided' && t.outcome === 'submit' && (t.period ?? 0) < period && t.caseEvidenceThrough !== undefined)
    .map((t) => t.caseEvidenceThrough as string)
    .sort();
  return { period, from: earlier.at(-1) ?? periodStart(started.startedAt, ledger.period, period - 1), lines };
}

/**
 * Starts the contract's ledger periods. Each period: the vendor submits its ledger lines (in the period's
 * window, due on the definition's day of the period's last month), the confirming role confirms or
 * returns it; confirmed lines add up into `ledger.totals`; once the last period is confirmed and the
 * contract's term has ended, KPIs are computed and the flow moves on.
 */
function enterLedgerPeriods(run: Run, node: LedgerPeriodsNode): void {
  const { ledger } = performanceStep(run).performance;
  const calendar = run.state.ledgerCalendar;
  // A later ledgerPeriods node (after one with `through`) runs on from the period after the last confirmed.
  if (calendar && calendar.startedBy !== node.id && calendar.closedThrough < calendar.count) {
    continueLedgerPeriods(run, node, calendar);
    return;
  }
  const count = evaluate(scopesOf(run.definition).contractTerms, ledger.periods, run.values);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    run.finish('failed', `the number of ledger periods "${ledger.periods}" gave ${String(count)}; it must be a whole number of at least 1`);
    return;
  }
  const through = throughOf(run, node, 1, count);
  if (through === undefined) return;
  run.state.ledgerPeriod = { current: 1, count, startedAt: run.at, ...(through < count ? { through } : {}) };
  run.state.ledgerCalendar = { startedBy: node.id, startedAt: run.at, count, closedThrough: 0, evaluatedThrough: 0 };
  // The contract's term ends when its last period does: the start of the period after it.
  run.state.termEndsAt = periodStart(run.at, ledger.period, count);
  run.values.ledger = { periods: 0, totals: Object.fromEntries(ledger.lines.map((line) => [line.id, 0])), latePeriods: 0, daysLate: 0 };
  if (run.context.ledgerPeriodsInTurn) openSubmission(run, node.id, 1);
  else openStartedPeriods(run, node.id);
}

/** A ledgerPeriods node after one with `through`: the same calendar (start, term), from the next period on. */
function continueLedgerPeriods(run: Run, node: LedgerPeriodsNode, calendar: NonNullable<EngineState['ledgerCalendar']>): void {
  const { ledger } = performanceStep(run).performance;
  const first = calendar.closedThrough + 1;
  const through = throughOf(run, node, first, calendar.count);
  if (through === undefined) return;
  run.state.ledgerPeriod = { current: first, count: calendar.count, startedAt: calendar.startedAt, ...(through < calendar.count ? { through } : {}) };
  if (!run.context.ledgerPeriodsInTurn) {
    openStartedPeriods(run, node.id);
    return;
  }
  const begins = periodStart(calendar.startedAt, ledger.period, first - 1);
  if (Date.parse(begins) > Date.parse(run.at)) run.emit({ type: 'startTimer', timerId: `ledger:${first}`, until: begins, purpose: 'ledgerPeriod' });
  else openSubmission(run, node.id, first);
}

/**
 * The last ledger period a node runs: its `through`, from the first period it runs to the last of the
 * term; without one, the last of the term. A value outside that range fails the contract (undefined).
 */
function throughOf(run: Run, node: LedgerPeriodsNode, first: number, count: number): number | undefined {
  if (node.through === undefined) return count;
  const through = evaluate(scopesOf(run.definition).contractTerms, node.through, run.values);
  if (typeof through !== 'number' || !Number.isInteger(through) || through < first || through > count) {
    run.finish('failed', `"through" of ledger periods "${node.id}" ("${node.through}") gave ${String(through)}; it must be a whole number from ${first} to ${count}, the periods left in the term`);
    return undefined;
  }
  return through;
}

function openSubmission(run: Run, nodeId: string, period: number): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const node = run.node(nodeId);
  // Contracts recorded before case lines were compiled at submission list them as awaiting the evidence.
  const awaitingCaseEvidence = run.context.caseLinesHoldZero ? ledger.lines.filter(fromCases).map((line) => line.id) : [];
  const dueAt = periodDueAt(run, period);
  run.openTask(
    { id: nodeId, title: { zh: `${'title' in node && node.title ? node.title.zh : '台账'}（第${period}期）`, en: `Ledger, period ${period}` } },
    'ledgerSubmission',
    ledger.submittedBy,
    undefined,
    undefined,
    {
      period,
      // A due day (months, quarters) never passes before the ledger can be handed in; a span is due as it ends.
      dueAt: run.context.ledgerDueFromDueDayOnly || (ledger.period !== 'monthly' && ledger.period !== 'quarterly') ? dueAt : ledgerDueOnceOpen(dueAt, run.at),
      instanceSuffix: `.p${period}.submit.${countOpenings(run, nodeId, period, 'submit')}`,
      // With `late`, the due day is a deadline: at its end an unsubmitted ledger is overdue and escalates.
      ...(ledger.late ? { escalateTo: ledger.late.escalateTo } : {}),
      awaitingCaseEvidence,
    },
  );
}

function countOpenings(run: Run, nodeId: string, period: number, what: 'submit' | 'confirm'): number {
  return run.state.tasks.filter((t) => t.nodeId === nodeId && t.period === period && t.id.includes(`.${what}.`)).length + 1;
}

/**
 * Opens the submission of every period of the running node whose start has come and that has none yet,
 * and waits with a timer for the start of the next one. A period is never opened twice: one with a
 * ledger task (of any node) or confirmed is left as it is.
 */
function openStartedPeriods(run: Run, nodeId: string): void {
  const { ledger } = performanceStep(run).performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  const last = started.through ?? started.count;
  const confirmed = confirmedPeriods(run);
  for (let period = started.current; period <= last; period++) {
    if (confirmed.has(period) || run.state.tasks.some((t) => t.period === period && (t.kind === 'ledgerSubmission' || t.kind === 'ledgerConfirmation'))) continue;
    const begins = periodStart(started.startedAt, ledger.period, period - 1);
    if (Date.parse(begins) > Date.parse(run.at)) {
      if (started.awaiting !== period) run.emit({ type: 'startTimer', timerId: `ledger:${period}`, until: begins, purpose: 'ledgerPeriod' });
      started.awaiting = period;
      return;
    }
    openSubmission(run, nodeId, period);
  }
}

/**
 * The periods confirmed so far: all up to the calendar's `closedThrough`, and those confirmed out of turn.
 * A state from before the calendar was kept confirmed its periods in turn: those before the current one.
 */
function confirmedPeriods(run: Run): Set<number> {
  const closedThrough = run.state.ledgerCalendar?.closedThrough ?? Math.max(0, (run.state.ledgerPeriod?.current ?? 1) - 1);
  return new Set([...Array.from({ length: closedThrough }, (_, i) => i + 1), ...(run.state.ledgerConfirmed ?? [])]);
}

/** A later period's start has come: its ledger can be submitted. */
function ledgerPeriodDue(run: Run, period: number): void {
  const started = run.state.ledgerPeriod;
  const nodeId = run.state.nodeId;
  if (!run.context.ledgerPeriodsInTurn) {
    if (started && nodeId && period <= (started.through ?? started.count)) openStartedPeriods(run, nodeId);
    return;
  }
  if (!started || !nodeId || started.current !== period) return;
  if (run.state.tasks.some((t) => t.nodeId === nodeId && t.period === period)) return;
  openSubmission(run, nodeId, period);
}

/** A ledger submitted before its period's window opens is refused, naming the window in China time. */
function checkWindow(run: Run, task: TaskInstance, period: number): void {
  const { window } = performanceStep(run).performance.ledger;
  if (!window || !task.dueAt) return;
  // The window is the definition's, from its due day: a ledger that opened late (and is due later) has it open.
  const opensAt = ledgerWindowOpensAt(periodDueAt(run, period), window.opensDay);
  if (Date.parse(run.at) >= Date.parse(opensAt)) return;
  throw new Refusal(
    'invalid',
    `the ledger of period ${period} can be submitted only in its window, from ${inChinaTime(opensAt)} until ${inChinaTime(task.dueAt)}; it is ${inChinaTime(run.at)}`,
    'window',
  );
}

/** When period `period`'s ledger is due by the definition: the end of its due day, before a late opening moves it. */
function periodDueAt(run: Run, period: number): string {
  const { ledger } = performanceStep(run).performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  return ledgerDueAt(periodStart(started.startedAt, ledger.period, period - 1), ledger.period, ledger.dueDay, periodStart(started.startedAt, ledger.period, period));
}

function decideLedgerTask(run: Run, task: TaskInstance, event: TaskDecided): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const period = task.period ?? 0;
  if (task.kind === 'ledgerSubmission') {
    if (event.outcome !== 'submit') throw new Refusal('invalid', 'a ledger is submitted with "submit"', 'outcome');
    checkWindow(run, task, period);
    const lines = event.payload?.kind === 'ledger' ? event.payload.lines : event.fields;
    const typed = ledger.lines.find((line) => fromCases(line) && Object.hasOwn(lines, line.id));
    if (typed && typeof typed.source === 'object') {
      throw new Refusal('invalid', `ledger line "${typed.id}" is filled from case evidence (${describeCaseMetric(typed.source.cases)}); the vendor may not type it`, `ledger.${typed.id}`);
    }
    const checked = checkFields(
      ledger.lines.filter((line) => !fromCases(line)),
      lines,
      'ledger',
    );
    if (!checked.ok) throw new Refusal('invalid', checked.problems.map((p) => `${p.field} ${p.problem}`).join('; '), checked.problems[0]?.field);
    const evidence = caseLineValues(run, ledger.lines, event);
    const values = { ...checked.values, ...evidence.values };
    // An update validator checks the submission before the workflow has asked for the evidence: conditions
    // across lines are checked once the evidence is in, when the update is handled.
    if (evidence.through === 'pending') return;
    refuseBrokenChecks(brokenChecks(run.definition, ledger.lines, ledger.checks, values, run.values, 'ledger'));
    run.state.ledgerLines[String(period)] = values;
    // A late ledger is taken, and its period counted late by the days after its due day of its first submission
    // (a ledger returned for correction is not late for having been returned).
    if (task.dueAt) (run.state.ledgerLateness ??= {})[String(period)] ??= daysLate(task.dueAt, run.at);
    const through = evidence.through ? { caseEvidenceThrough: evidence.through } : {};
    run.closeTask({ ...task, ...through }, 'decided', { outcome: 'submit', actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: values });
    run.openTask(
      { id: task.nodeId, title: { zh: `确认台账（第${period}期）`, en: `Confirm the ledger, period ${period}` } },
      'ledgerConfirmation',
      ledger.confirmedBy,
      undefined,
      undefined,
      { period, instanceSuffix: `.p${period}.confirm.${countOpenings(run, task.nodeId, period, 'confirm')}`, ...through },
    );
    return;
  }
  if (event.outcome !== 'approve' && event.outcome !== 'return') throw new Refusal('invalid', 'a ledger is confirmed ("approve") or returned for correction ("return")', 'outcome');
  run.closeTask(task, 'decided', { outcome: event.outcome, actor: event.actor, ...(event.comment ? { comment: event.comment } : {}) });
  if (event.outcome === 'return') {
    delete run.state.ledgerLines[String(period)];
    openSubmission(run, task.nodeId, period);
    return;
  }
  if (run.context.ledgerPeriodsInTurn) confirmPeriod(run, task.nodeId, period);
  else confirmPeriodOnItsOwn(run, task.nodeId, period);
}

/**
 * Confirms a period whose ledger opened on its own, in whatever order the periods are confirmed:
 * `ledger.totals` and the lateness add up the confirmed periods only, the period is measured and recorded,
 * each review period all of whose ledger periods are now confirmed is reviewed (in order), and once every
 * period the node runs is confirmed the node ends as periods in turn do (mid-term, or after the term).
 */
function confirmPeriodOnItsOwn(run: Run, nodeId: string, period: number): void {
  const { ledger } = performanceStep(run).performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  const confirmed = confirmedPeriods(run).add(period);
  const periods = [...confirmed].sort((a, b) => a - b);
  let closedThrough = 0;
  while (confirmed.has(closedThrough + 1)) closedThrough++;
  const calendar = (run.state.ledgerCalendar ??= { startedBy: nodeId, startedAt: started.startedAt, count: started.count, closedThrough, evaluatedThrough: 0 });
  calendar.closedThrough = closedThrough;
  const beyond = periods.filter((p) => p > closedThrough);
  if (beyond.length > 0) run.state.ledgerConfirmed = beyond;
  else delete run.state.ledgerConfirmed;
  const lateness = periods.map((p) => run.state.ledgerLateness?.[String(p)] ?? 0);
  run.values.ledger = {
    periods: periods.length,
    totals: totalsOf(ledger.lines, periods.map((p) => run.state.ledgerLines[String(p)] ?? {})),
    latePeriods: lateness.filter((days) => days > 0).length,
    daysLate: lateness.reduce((a, b) => a + b, 0),
  };
  measureServiceLevels(run, period);
  recordClosedPeriod(run, period);
  reviewConfirmedPeriods(run, confirmed, started.count);
  // A state carried over from periods in turn may not yet wait for the next period's start.
  openStartedPeriods(run, nodeId);
  const last = started.through ?? started.count;
  if (closedThrough < last) return;
  finishPeriods(run, nodeId, last);
}

function confirmPeriod(run: Run, nodeId: string, period: number): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  const totals = totalsOf(ledger.lines, Object.values(run.state.ledgerLines));
  const lateness = Object.entries(run.state.ledgerLateness ?? {})
    .filter(([p]) => Number(p) <= period)
    .map(([, days]) => days);
  run.values.ledger = { periods: period, totals, latePeriods: lateness.filter((days) => days > 0).length, daysLate: lateness.reduce((a, b) => a + b, 0) };
  measureServiceLevels(run, period);
  recordClosedPeriod(run, period);
  reviewPeriods(run, period, started.count);
  if (run.state.ledgerCalendar) run.state.ledgerCalendar.closedThrough = period;
  const last = started.through ?? started.count;
  if (period < last) {
    started.current = period + 1;
    const begins = periodStart(started.startedAt, ledger.period, period);
    if (Date.parse(begins) > Date.parse(run.at)) run.emit({ type: 'startTimer', timerId: `ledger:${period + 1}`, until: begins, purpose: 'ledgerPeriod' });
    else openSubmission(run, nodeId, period + 1);
    return;
  }
  finishPeriods(run, nodeId, last);
}

/** Every period the node runs is confirmed: it ends mid-term (`through`), or with the term. */
function finishPeriods(run: Run, nodeId: string, last: number): void {
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  // A node with `through` ends mid-term: the flow moves on (a mid-term acceptance, a tranche), and the
  // next ledgerPeriods node runs the rest of the term.
  if (last < started.count) {
    completeLedgerPeriods(run, nodeId);
    return;
  }
  // The last ledger is in, but the term runs to the end of the last period: the step waits for it, so the
  // evaluation, the acceptance and the final tranche come after the term (workflows recorded before wait not).
  const termEndsAt = run.state.termEndsAt;
  if (!run.context.termEndsAtLastLedger && termEndsAt && Date.parse(run.at) < Date.parse(termEndsAt)) {
    started.current = started.count + 1;
    run.emit({ type: 'startTimer', timerId: `ledgerTerm:${nodeId}`, until: termEndsAt, purpose: 'ledgerPeriod' });
    return;
  }
  completeLedgerPeriods(run, nodeId);
}

/** The contract's term has ended with every ledger confirmed: the periods are over. */
function termEnded(run: Run, nodeId: string): void {
  const started = run.state.ledgerPeriod;
  if (!started || run.state.nodeId !== nodeId || started.current <= started.count) return;
  completeLedgerPeriods(run, nodeId);
}

/** Computes the KPIs from the confirmed ledgers and moves on from the ledger periods. */
function completeLedgerPeriods(run: Run, nodeId: string): void {
  const step = performanceStep(run);
  const scope = scopesOf(run.definition).kpi;
  run.values.kpis = Object.fromEntries(step.performance.kpis.map((kpi) => [kpi.id, evaluate(scope, kpi.expr, run.values)]));
  run.state.ledgerPeriod = undefined;
  const node = run.node(nodeId);
  if (node.type !== 'ledgerPeriods') throw new Error(`"${nodeId}" is not a ledgerPeriods node`);
  run.succeed(node.id);
  run.enterNode(node.next);
}

/**
 * Measures each service level of the contract that names a KPI on the period just confirmed: the KPI's
 * expression is evaluated as if this period's lines were the whole ledger (one period, its own totals),
 * so a period that breaks the level shows as not met even when earlier periods make up for it.
 */
function measureServiceLevels(run: Run, period: number): void {
  const contractStep = run.definition.steps.find((step) => step.kind === 'contractFiling');
  if (contractStep?.kind !== 'contractFiling') return;
  const { kpis } = performanceStep(run).performance;
  const periodValues = { ...run.values, ledger: periodLedger(run, period) };
  const scope = scopesOf(run.definition).kpi;
  for (const level of contractStep.contract.serviceLevels) {
    const kpi = kpis.find((candidate) => candidate.id === level.measuredBy);
    if (!kpi || level.target === undefined) continue;
    const value = evaluate(scope, kpi.expr, periodValues);
    const target = level.target;
    const met =
      typeof target === 'boolean'
        ? value === target
        : typeof value === 'number' && (target.min === undefined || value >= target.min) && (target.max === undefined || value <= target.max);
    const measurement: ServiceLevelMeasurement = { serviceLevelId: level.id, title: level.title, kpiId: kpi.id, period, value, target, met };
    (run.state.serviceLevels ??= []).push(measurement);
    run.emit({ type: 'serviceLevelMeasured', at: run.at, measurement });
  }
}

/**
 * Records the period just confirmed in `periods.ledger`, which money expressions read: each KPI on
 * this period's lines alone (as service levels measure it). A KPI that cannot be computed on one
 * period (a division by a count that is 0 in it) is left out rather than failing the confirmation.
 */
function recordClosedPeriod(run: Run, period: number): void {
  const { kpis } = performanceStep(run).performance;
  const periodValues = { ...run.values, ledger: periodLedger(run, period) };
  const scope = scopesOf(run.definition).kpi;
  const values: Record<string, FieldValue> = {};
  for (const kpi of kpis) {
    try {
      values[kpi.id] = evaluate(scope, kpi.expr, periodValues);
    } catch (error) {
      if (!(error instanceof EvaluationFailure)) throw error;
    }
  }
  const periods = (run.values.periods ??= { ledger: [] });
  // Periods confirmed out of turn are kept in the order of the calendar.
  periods.ledger = [...periods.ledger.filter((closed) => closed.period !== period), { period, kpis: values }].sort((a, b) => a.period - b.period);
}

/**
 * The ledger as one period alone sees it: that period's lines as the totals, and its own lateness, so a
 * KPI computed per period (service levels, `periods.ledger[i].kpis`) reads what it would over the whole term.
 */
function periodLedger(run: Run, period: number): NonNullable<EngineValues['ledger']> {
  const { ledger } = performanceStep(run).performance;
  const lines = run.state.ledgerLines[String(period)] ?? {};
  const late = run.state.ledgerLateness?.[String(period)] ?? 0;
  return { periods: 1, totals: Object.fromEntries(ledger.lines.map((line) => [line.id, Number(lines[line.id] ?? 0)])), latePeriods: late > 0 ? 1 : 0, daysLate: late };
}

/** Each line's total over some periods' lines, by the line's aggregate (sum unless it says max or min). */
function totalsOf(lines: PerformanceStep['performance']['ledger']['lines'], periods: ReadonlyArray<Readonly<Record<string, FieldValue>>>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of lines) {
    const values = periods.map((period) => Number(period[line.id] ?? 0));
    totals[line.id] = line.aggregate === 'max' ? Math.max(0, ...values) : line.aggregate === 'min' ? Math.min(...values) : values.reduce((a, b) => a + b, 0);
  }
  return totals;
}

/**
 * Reviews each review group (`performance.reviews`) whose review period the ledger period just confirmed
 * closes (every `every` periods, and the last of the term, which closes a shorter one): its KPIs on its
 * ledger periods' lines alone, as `ledger.totals` would be if they were the whole ledger, and whether
 * `passWhen` held. A KPI that cannot be computed on them is left out, and a `passWhen` that then cannot
 * be computed does not pass, rather than failing the confirmation.
 */
function reviewPeriods(run: Run, period: number, count: number): void {
  for (const review of performanceStep(run).performance.reviews ?? []) {
    if (period % review.every !== 0 && period !== count) continue;
    reviewPeriod(run, review, Math.ceil(period / review.every), period);
  }
}

/**
 * Reviews, with periods confirmed in any order, each review period all of whose ledger periods are
 * confirmed, in the order of the calendar: a review period closes only after the one before it, so one
 * whose months are all in waits for an earlier one still missing a month, and closes right after it.
 */
function reviewConfirmedPeriods(run: Run, confirmed: ReadonlySet<number>, count: number): void {
  for (const review of performanceStep(run).performance.reviews ?? []) {
    const done = (run.state.reviews ?? []).filter((r) => r.reviewId === review.id).map((r) => r.period);
    for (let next = Math.max(0, ...done) + 1; ; next++) {
      const fromPeriod = (next - 1) * review.every + 1;
      const toPeriod = Math.min(next * review.every, count);
      if (fromPeriod > count) break;
      if (!Array.from({ length: toPeriod - fromPeriod + 1 }, (_, i) => fromPeriod + i).every((p) => confirmed.has(p))) break;
      reviewPeriod(run, review, next, toPeriod);
    }
  }
}

/** Reviews review period `index` (1-based) of `review`, which the confirmation of ledger period `period` closes. */
function reviewPeriod(run: Run, review: NonNullable<PerformanceStep['performance']['reviews']>[number], index: number, period: number): void {
  const { ledger } = performanceStep(run).performance;
  const scopes = scopesOf(run.definition);
  const fromPeriod = (index - 1) * review.every + 1;
  const covered = Array.from({ length: period - fromPeriod + 1 }, (_, i) => fromPeriod + i);
  const lateness = covered.map((p) => run.state.ledgerLateness?.[String(p)] ?? 0);
  const values: EngineValues = {
    ...run.values,
    ledger: {
      periods: covered.length,
      totals: totalsOf(ledger.lines, covered.map((p) => run.state.ledgerLines[String(p)] ?? {})),
      latePeriods: lateness.filter((days) => days > 0).length,
      daysLate: lateness.reduce((a, b) => a + b, 0),
    },
  };
  const kpis: Record<string, FieldValue> = {};
  for (const kpi of review.kpis) {
    try {
      kpis[kpi.id] = evaluate(scopes.kpi, kpi.expr, values);
    } catch (error) {
      if (!(error instanceof EvaluationFailure)) throw error;
    }
  }
  let passed = true;
  if (review.passWhen !== undefined) {
    try {
      passed = evaluate(scopes.reviewPass(review.id), review.passWhen, { ...values, kpis }) === true;
    } catch (error) {
      if (!(error instanceof EvaluationFailure)) throw error;
      passed = false;
    }
  }
  const record: PeriodReview = { reviewId: review.id, title: { zh: review.title.zh, en: review.title.en }, period: index, fromPeriod, toPeriod: period, kpis, passed };
  run.state.reviews = [...(run.state.reviews ?? []).filter((r) => r.reviewId !== review.id || r.period !== index), record];
  const periods = (run.values.periods ??= { ledger: [] });
  periods[review.id] = [...(periods[review.id] ?? []).filter((closed) => closed.period !== index), { period: index, kpis, passed }];
  run.emit({ type: 'periodReviewed', at: run.at, review: record });
}
