import type { ProcedureStep } from '../../src/definitions/procedure/procedure.schema.js';

export type Indicator = Extract<ProcedureStep, { kind: 'performanceManagement' }>['performance']['evaluation']['indicators'][number];
export type IndicatorGroup = Indicator['group'];

/** The groups in the order subtotals are reported. */
export const INDICATOR_GROUPS: readonly IndicatorGroup[] = ['business', 'financial'];

/**
 * The score of each indicator group — business 业务指标 and financial 财务指标, the two parts of the
 * performance evaluation in seed 001 §二(六) — on the same 0–100 scale as the whole: the weighted
 * average of the group's scores, rounded down. Only groups that have indicators appear, in a fixed
 * order, so an evaluation without financial indicators reports no financial subtotal.
 *
 * Guarantees: every score of `scores` the indicators name is a whole number from 0 to 100 (the caller
 * checked them), so each subtotal is one too.
 */
export function groupSubtotals(indicators: readonly Indicator[], scores: Readonly<Record<string, number>>): Partial<Record<IndicatorGroup, number>> {
  const subtotals: Partial<Record<IndicatorGroup, number>> = {};
  for (const group of INDICATOR_GROUPS) {
    const members = indicators.filter((indicator) => indicator.group === group);
    if (members.length === 0) continue;
    const weight = members.reduce((sum, indicator) => sum + indicator.weight, 0);
    const weighted = members.reduce((sum, indicator) => sum + indicator.weight * (scores[indicator.id] ?? 0), 0);
    subtotals[group] = Math.floor(weighted / weight);
  }
  return subtotals;
}

