/**
 * A vendor's performance history (seed 000 §十: 考核评估结果作为以后年度…选择承接主体的重要依据): what
 * selection reads of it as `vendor.history` (src/definitions/procedure/procedure-scopes.ts).
 */

/** One recorded evaluation, as far as the summary needs it. */
export interface ScoredEvaluation {
  readonly score: number;
  readonly passed: boolean;
}

/** `vendor.history`: how many evaluations, the latest's score and verdict, and the mean score rounded down. */
export interface PerformanceSummary {
  readonly count: number;
  readonly lastScore: number;
  readonly meanScore: number;
  readonly lastPassed: boolean;
}

/**
 * The summary of `evaluations`, oldest first. With none: count 0, scores 0, lastPassed false — a
 * definition tells "no history" from "scored 0" by `count`. Pure and integer-only (the mean is rounded down).
 */
export function summarizeHistory(evaluations: readonly ScoredEvaluation[]): PerformanceSummary {
  const last = evaluations.at(-1);
  if (!last) return { count: 0, lastScore: 0, meanScore: 0, lastPassed: false };
  const total = evaluations.reduce((sum, evaluation) => sum + evaluation.score, 0);
  return { count: evaluations.length, lastScore: last.score, meanScore: Math.floor(total / evaluations.length), lastPassed: last.passed };
}
