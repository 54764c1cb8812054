import { brokenChecks } from '../../../src/definitions/procedure/field-checks.js';
import type { FlowNodeT, ProcedureStep } from '../../../src/definitions/procedure/procedure.schema.js';
import { ledgerDueAt, periodStart } from '../deadlines.js';
import { evaluate, scopesOf } from '../evaluate.js';
import { groupSubtotals } from '../evaluation-groups.js';
import { checkFields } from '../fields.js';
import { Refusal, refuseBrokenChecks, type Run } from '../interpreter.js';
import type { EngineEvent, ServiceLevelMeasurement, TaskInstance } from '../types.js';

type PerformanceStep = Extract<ProcedureStep, { kind: 'performanceManagement' }>;
type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

function performanceStep(run: Run): PerformanceStep {
  const step = run.step;
  if (step.kind !== 'performanceManagement') throw new Error(`"${step.id}" is not a performance management step`);
  return step;
}

/**
 * Starts the contract's ledger periods. Each period: the vendor submits its ledger lines (due on the
 * definition's day of the period's last month), the confirming role confirms or returns it; confirmed
 * lines add up into `ledger.totals`; when the last period is confirmed, KPIs are computed.
 */
export function enterLedgerPeriods(run: Run, node: Extract<FlowNodeT, { type: 'ledgerPeriods' }>): void {
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
export function ledgerPeriodDue(run: Run, period: number): void {
  const started = run.state.ledgerPeriod;
  const nodeId = run.state.nodeId;
  if (!started || !nodeId || started.current !== period) return;
  if (run.state.tasks.some((t) => t.nodeId === nodeId && t.period === period)) return;
  openSubmission(run, nodeId, period);
}

export function decideLedgerTask(run: Run, task: TaskInstance, event: TaskDecided): void {
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

export function enterEvaluation(run: Run, node: Extract<FlowNodeT, { type: 'evaluation' }>): void {
  run.openTask(node, 'evaluation', node.role, node.sla);
}

/**
 * The evaluator's scores, one per indicator (0–100); the evaluation score is their weighted average,
 * rounded down. When the definition's exit condition then holds, the vendor is suspended.
 */
export function decideEvaluation(run: Run, task: TaskInstance, event: TaskDecided): void {
  const { evaluation, exit } = performanceStep(run).performance;
  const node = run.node(task.nodeId);
  if (node.type !== 'evaluation') throw new Error(`"${task.nodeId}" is not an evaluation node`);
  if (event.outcome !== 'approve' && event.outcome !== 'submit') throw new Refusal('invalid', 'an evaluation is submitted with its scores', 'outcome');
  if (event.payload?.kind !== 'evaluation') throw new Refusal('invalid', 'an evaluation needs a score for every indicator', 'evaluation');
  let weighted = 0;
  for (const indicator of evaluation.indicators) {
    const score = event.payload.scores[indicator.id];
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 0 || score > 100) {
      throw new Refusal('invalid', `score for "${indicator.title.zh}" must be a whole number from 0 to 100`, `evaluation.scores.${indicator.id}`);
    }
    weighted += indicator.weight * score;
  }
  const score = Math.floor(weighted / 100);
  // The score of each indicator group (业务/财务) is recorded with the decision and readable by expressions.
  const groups = groupSubtotals(evaluation.indicators, event.payload.scores);
  run.values.evaluation = { score, passed: score >= evaluation.passScore, ...groups };
  run.closeTask(task, 'decided', { outcome: event.outcome, actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: { score, ...groups } });
  if (exit && evaluate(scopesOf(run.definition).contract, exit.when, run.values) === true && run.values.contract) {
    run.emit({ type: 'suspendVendor', at: run.at, vendorId: run.values.contract.vendorId, reason: exit.reason.zh });
  }
  run.succeed(node.id);
  run.enterNode(node.next);
}

export function enterAcceptance(run: Run, node: Extract<FlowNodeT, { type: 'acceptance' }>): void {
  run.openTask(node, 'acceptance', node.role, node.sla);
}

/** Acceptance (验收): passed or failed, with the service recipients' opinions where the definition requires them. */
export function decideAcceptance(run: Run, task: TaskInstance, event: TaskDecided): void {
  const { acceptance } = performanceStep(run).performance;
  const node = run.node(task.nodeId);
  if (node.type !== 'acceptance') throw new Error(`"${task.nodeId}" is not an acceptance node`);
  if (event.payload?.kind !== 'acceptance') throw new Refusal('invalid', 'an acceptance says whether it passed', 'acceptance');
  const { passed, recipientOpinions } = event.payload;
  if (acceptance.recipientOpinionsRequired && recipientOpinions.filter((o) => o.trim()).length === 0) {
    throw new Refusal('invalid', 'acceptance must record the service recipients’ opinions (seed 000 §八(五))', 'acceptance.recipientOpinions');
  }
  run.values.acceptance = { passed };
  run.closeTask(task, 'decided', { outcome: passed ? 'approve' : 'reject', actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: { passed, recipientOpinions: recipientOpinions.join('\n') } });
  // Implementing Regulations art. 45: a public service's acceptance result is published, by the engine, not a drawn node.
  if (acceptance.published) {
    const notice = run.definition.notices.find((candidate) => candidate.kind === 'acceptanceResult');
    if (!notice) throw new Error('a published acceptance has no acceptanceResult notice (PF-ACCEPTANCE)');
    run.publish(notice.id);
  }
  if (passed) {
    run.succeed(node.id);
    run.enterNode(node.next);
  } else {
    run.enterNode(node.onFail);
  }
}
