import { brokenChecks } from '../../../src/definitions/procedure/field-checks.js';
import type { FlowNodeT, ProcedureStep } from '../../../src/definitions/procedure/procedure.schema.js';
import { ledgerDueAt, periodStart } from '../deadlines.js';
import { EvaluationFailure, evaluate, scopesOf } from '../evaluate.js';
import { checkFields } from '../fields.js';
import { Refusal, refuseBrokenChecks, type NodeHandler, type Run } from '../run.js';
import type { EngineEvent, FieldValue, ServiceLevelMeasurement, TaskInstance } from '../types.js';

type PerformanceStep = Extract<ProcedureStep, { kind: 'performanceManagement' }>;
type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

function performanceStep(run: Run): PerformanceStep {
  return run.stepOf('performanceManagement');
}

/** The contract's ledger periods: submission and confirmation tasks per period, a timer for each later period. */
export const ledgerPeriodsNode: NodeHandler<Extract<FlowNodeT, { type: 'ledgerPeriods' }>> = {
  enter: enterLedgerPeriods,
  tasks: { ledgerSubmission: decideLedgerTask, ledgerConfirmation: decideLedgerTask },
  timers: { ledger: (run, rest) => ledgerPeriodDue(run, Number(rest)) },
};

/**
 * Starts the contract's ledger periods. Each period: the vendor submits its ledger lines (due on the
 * definition's day of the period's last month), the confirming role confirms or returns it; confirmed
 * lines add up into `ledger.totals`; when the last period is confirmed, KPIs are computed.
 */
function enterLedgerPeriods(run: Run, node: Extract<FlowNodeT, { type: 'ledgerPeriods' }>): void {
  const { ledger } = performanceStep(run).performance;
  const count = evaluate(scopesOf(run.definition).contractTerms, ledger.periods, run.values);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    run.finish('failed', `the number of ledger periods "${ledger.periods}" gave ${String(count)}; it must be a whole number of at least 1`);
    return;
  }
  run.state.ledgerPeriod = { current: 1, count, startedAt: run.at };
  run.values.ledger = { periods: 0, totals: Object.fromEntries(ledger.lines.map((line) => [line.id, 0])) };
  openSubmission(run, node.id, 1);
}

function openSubmission(run: Run, nodeId: string, period: number): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  const begins = periodStart(started.startedAt, ledger.period, period - 1);
  const node = run.node(nodeId);
  run.openTask(
    { id: nodeId, title: { zh: `${'title' in node && node.title ? node.title.zh : '台账'}（第${period}期）`, en: `Ledger, period ${period}` } },
    'ledgerSubmission',
    ledger.submittedBy,
    undefined,
    undefined,
    { period, dueAt: ledgerDueAt(begins, ledger.period, ledger.dueDay), instanceSuffix: `.p${period}.submit.${countOpenings(run, nodeId, period, 'submit')}` },
  );
}

function countOpenings(run: Run, nodeId: string, period: number, what: 'submit' | 'confirm'): number {
  return run.state.tasks.filter((t) => t.nodeId === nodeId && t.period === period && t.id.includes(`.${what}.`)).length + 1;
}

/** A later period's start has come: its ledger can be submitted. */
function ledgerPeriodDue(run: Run, period: number): void {
  const started = run.state.ledgerPeriod;
  const nodeId = run.state.nodeId;
  if (!started || !nodeId || started.current !== period) return;
  if (run.state.tasks.some((t) => t.nodeId === nodeId && t.period === period)) return;
  openSubmission(run, nodeId, period);
}

function decideLedgerTask(run: Run, task: TaskInstance, event: TaskDecided): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const period = task.period ?? 0;
  if (task.kind === 'ledgerSubmission') {
    if (event.outcome !== 'submit') throw new Refusal('invalid', 'a ledger is submitted with "submit"', 'outcome');
    const lines = event.payload?.kind === 'ledger' ? event.payload.lines : event.fields;
    const checked = checkFields(ledger.lines, lines, 'ledger');
    if (!checked.ok) throw new Refusal('invalid', checked.problems.map((p) => `${p.field} ${p.problem}`).join('; '), checked.problems[0]?.field);
    refuseBrokenChecks(brokenChecks(run.definition, ledger.lines, ledger.checks, checked.values, run.values, 'ledger'));
    run.state.ledgerLines[String(period)] = checked.values;
    run.closeTask(task, 'decided', { outcome: 'submit', actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: checked.values });
    run.openTask(
      { id: task.nodeId, title: { zh: `确认台账（第${period}期）`, en: `Confirm the ledger, period ${period}` } },
      'ledgerConfirmation',
      ledger.confirmedBy,
      undefined,
      undefined,
      { period, instanceSuffix: `.p${period}.confirm.${countOpenings(run, task.nodeId, period, 'confirm')}` },
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
  confirmPeriod(run, task.nodeId, period);
}

function confirmPeriod(run: Run, nodeId: string, period: number): void {
  const step = performanceStep(run);
  const { ledger } = step.performance;
  const started = run.state.ledgerPeriod;
  if (!started) throw new Error('ledger periods have not started');
  const totals: Record<string, number> = {};
  for (const line of ledger.lines) {
    const values = Object.values(run.state.ledgerLines).map((lines) => Number(lines[line.id] ?? 0));
    totals[line.id] = line.aggregate === 'max' ? Math.max(0, ...values) : line.aggregate === 'min' ? Math.min(...values) : values.reduce((a, b) => a + b, 0);
  }
  run.values.ledger = { periods: period, totals };
  measureServiceLevels(run, period);
  recordClosedPeriod(run, period);
  if (period < started.count) {
    started.current = period + 1;
    const begins = periodStart(started.startedAt, ledger.period, period);
    if (Date.parse(begins) > Date.parse(run.at)) run.emit({ type: 'startTimer', timerId: `ledger:${period + 1}`, until: begins, purpose: 'ledgerPeriod' });
    else openSubmission(run, nodeId, period + 1);
    return;
  }
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
  const { kpis, ledger } = performanceStep(run).performance;
  const lines = run.state.ledgerLines[String(period)] ?? {};
  const periodTotals = Object.fromEntries(ledger.lines.map((line) => [line.id, Number(lines[line.id] ?? 0)]));
  const scope = scopesOf(run.definition).kpi;
  for (const level of contractStep.contract.serviceLevels) {
    const kpi = kpis.find((candidate) => candidate.id === level.measuredBy);
    if (!kpi || level.target === undefined) continue;
    const value = evaluate(scope, kpi.expr, { ...run.values, ledger: { periods: 1, totals: periodTotals } });
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
  const { kpis, ledger } = performanceStep(run).performance;
  const lines = run.state.ledgerLines[String(period)] ?? {};
  const periodValues = { ...run.values, ledger: { periods: 1, totals: Object.fromEntries(ledger.lines.map((line) => [line.id, Number(lines[line.id] ?? 0)])) } };
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
  periods.ledger = [...periods.ledger.filter((closed) => closed.period !== period), { period, kpis: values }];
}
