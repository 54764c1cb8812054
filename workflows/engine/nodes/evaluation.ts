import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { EvaluationFailure, evaluate, scopesOf } from '../evaluate.js';
import { groupSubtotals, type Indicator as IndicatorT } from '../evaluation-groups.js';
import { decidingRole, Refusal, type NodeHandler, type Run } from '../run.js';
import type { EngineEvent, TaskInstance } from '../types.js';

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** The evaluator scores the contract's performance. */
export const evaluationNode: NodeHandler<Extract<FlowNodeT, { type: 'evaluation' }>> = {
  enter: (run, node) => {
    const computedIndicators = run.stepOf('performanceManagement').performance.evaluation.indicators.filter((indicator) => indicator.score !== undefined).map((indicator) => indicator.id);
    run.openTask(node, 'evaluation', node.role, node.sla, undefined, { computedIndicators });
  },
  tasks: { evaluation: decideEvaluation },
};

/**
 * The evaluator's scores, one per indicator (0–100) but those the definition computes (`indicators[].score`,
 * from the contract's KPIs as they stand now, held to 0–100); the evaluation score is their weighted
 * average, rounded down. A computed indicator's score given by the evaluator is refused; one that cannot be
 * computed refuses the decision, as a KPI that cannot be computed refuses the ledger confirmation. When the
 * definition's exit condition then holds, the vendor is suspended.
 */
function decideEvaluation(run: Run, task: TaskInstance, event: TaskDecided): void {
  const { evaluation, exit } = run.stepOf('performanceManagement').performance;
  const node = run.node(task.nodeId);
  if (node.type !== 'evaluation') throw new Error(`"${task.nodeId}" is not an evaluation node`);
  if (event.outcome !== 'approve' && event.outcome !== 'submit') throw new Refusal('invalid', 'an evaluation is submitted with its scores', 'outcome');
  if (event.payload?.kind !== 'evaluation') throw new Refusal('invalid', 'an evaluation needs a score for every indicator', 'evaluation');
  const scores: Record<string, number> = {};
  // Each computed score is recorded with the decision as `scores.<id>`, beside the whole and the groups.
  const computed: Record<string, number> = {};
  let weighted = 0;
  for (const indicator of evaluation.indicators) {
    const given = event.payload.scores[indicator.id];
    if (indicator.score !== undefined) {
      if (given !== undefined) {
        throw new Refusal('invalid', `"${indicator.title.zh}" is computed by the definition from the contract's KPIs; leave its score out`, `evaluation.scores.${indicator.id}`);
      }
      scores[indicator.id] = computed[`scores.${indicator.id}`] = computedScore(run, indicator);
    } else {
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given > 100) {
        throw new Refusal('invalid', `score for "${indicator.title.zh}" must be a whole number from 0 to 100`, `evaluation.scores.${indicator.id}`);
      }
      scores[indicator.id] = given;
    }
    weighted += indicator.weight * scores[indicator.id]!;
  }
  const score = Math.floor(weighted / 100);
  // The score of each indicator group (业务/财务) is recorded with the decision and readable by expressions.
  const groups = groupSubtotals(evaluation.indicators, scores);
  run.values.evaluation = { score, passed: score >= evaluation.passScore, ...groups };
  run.closeTask(task, 'decided', { outcome: event.outcome, actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: { score, ...groups, ...computed } });
  const contract = run.values.contract;
  const covers = periodsCovered(run);
  const exits = exit !== undefined && evaluate(scopesOf(run.definition).contract, exit.when, run.values) === true && contract !== undefined;
  if (contract && run.context.recordsEvaluations) {
    run.emit({
      type: 'recordEvaluation',
      at: run.at,
      evaluation: {
        vendorId: contract.vendorId,
        vendorName: contract.vendorName,
        score,
        passed: score >= evaluation.passScore,
        groups,
        grade: gradeOf(evaluation.grades, score),
        period: covers?.period ?? null,
        ...(covers && covers.through > covers.period ? { periodThrough: covers.through } : {}),
        // The role of whoever decided (after an escalation, its target's), not the role the task was opened for.
        evaluator: { userId: event.actor.userId, name: event.actor.name, role: run.context.evaluatorRoleOfTask ? task.role : decidingRole(task, event.actor) },
        exited: exits,
      },
    });
  }
  if (exits && exit && contract) {
    // The tranches the exit withholds are not paid from now on (nodes/payment.ts); the others are paid as the definition says.
    if (exit.withholds !== undefined) run.state.exit = { at: run.at, reason: exit.reason.zh, withholds: [...exit.withholds] };
    run.emit({ type: 'suspendVendor', at: run.at, vendorId: contract.vendorId, reason: exit.reason.zh, ...(exit.reinstatedBy ? { reinstatedBy: exit.reinstatedBy } : {}) });
  }
  run.succeed(node.id);
  run.enterNode(node.next);
}

/**
 * A computed indicator's score: its expression over the contract's values (KPIs, ledger, contract), held
 * to 0–100 like a score the evaluator gives (as a computed bid criterion is). Throws EvaluationFailure
 * naming the indicator when it cannot be computed (a division by 0, KPIs not computed yet).
 */
function computedScore(run: Run, indicator: IndicatorT): number {
  const expression = indicator.score ?? '';
  let value: ReturnType<typeof evaluate>;
  try {
    value = evaluate(scopesOf(run.definition).indicator, expression, run.values);
  } catch (error) {
    if (!(error instanceof EvaluationFailure)) throw error;
    throw new EvaluationFailure(`the score of indicator "${indicator.title.zh}" (${indicator.id}) cannot be computed: ${error.message}`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EvaluationFailure(`the score of indicator "${indicator.title.zh}" (${indicator.id}): "${expression}" gave ${String(value)}, not a whole score`);
  return Math.min(100, Math.max(0, value));
}

type GradeBands = ReadonlyArray<{ readonly min: number; readonly label: { readonly zh: string; readonly en: string } }>;

/** The band with the highest `min` at or below `score`; null without bands or below them all. */
export function gradeOf(bands: GradeBands | undefined, score: number): { min: number; label: { zh: string; en: string } } | null {
  let grade: { min: number; label: { zh: string; en: string } } | null = null;
  for (const band of bands ?? []) if (band.min <= score && (grade === null || band.min > grade.min)) grade = { min: band.min, label: { zh: band.label.zh, en: band.label.en } };
  return grade;
}

/**
 * The ledger periods an evaluation covers: those confirmed since the last evaluation. Null when that is
 * the whole term (one evaluation after every ledger period, as a contract with one ledgerPeriods node
 * has), or when nothing tells (states from before the calendar was kept).
 */
function periodsCovered(run: Run): { period: number; through: number } | null {
  const calendar = run.state.ledgerCalendar;
  if (!calendar) return null;
  const covers = { period: calendar.evaluatedThrough + 1, through: calendar.closedThrough };
  calendar.evaluatedThrough = calendar.closedThrough;
  if (covers.through < covers.period || (covers.period === 1 && covers.through >= calendar.count)) return null;
  return covers;
}
