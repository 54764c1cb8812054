import { ExpressionScope, ListOf, type VariableShape } from '../expressions/expression-language.js';
import type { FieldDefinitionT, FlowNodeT, ProcedureDefinition, TaskNodeT } from './procedure.schema.js';
import { CONTRACT_SCOPED_KINDS } from './procedure-vocabulary.js';

/**
 * Which variables the expressions of a procedure may use, and where (definitions/README.md,
 * "Expressions"). The interpreter provides exactly these values at run time; the compiler checks
 * every expression against the scope of the place it appears in.
 */
export interface ProcedureScopes {
  /** `derived[i]` sees the inputs and the derived values before it. */
  derived(index: number): ExpressionScope;
  /** Budget total and components: inputs, derived values, forms. */
  readonly budget: ExpressionScope;
  /** Budgeting and public notice steps: inputs, derived, forms, budget. */
  readonly procedure: ExpressionScope;
  /** From vendor selection on: the procedure scope plus `selection`. */
  readonly selection: ExpressionScope;
  /** A computed bid-scoring criterion: the selection scope plus the bid and its vendor's performance history. */
  readonly bid: ExpressionScope;
  /** KPIs: inputs, derived, budget, contract and ledger. */
  readonly kpi: ExpressionScope;
  /**
   * A computed evaluation indicator's `score`: the KPI scope plus `kpis`, the contract's KPIs. Not
   * `evaluation` (the score being computed) nor payments (an evaluation's score decides them).
   */
  readonly indicator: ExpressionScope;
  /** Contract steps, tranche amounts, exit conditions: everything, and what was paid and each closed period. */
  readonly contract: ExpressionScope;
  /** Ledger period count and a ledgerPeriods node's `through`: inputs, derived, budget, contract. */
  readonly contractTerms: ExpressionScope;
  /** A review group's `passWhen`: the KPI scope plus `kpis`, the review period's KPIs (`performance.reviews[].kpis`). */
  reviewPass(reviewId: string): ExpressionScope;
}

/**
 * `vendor.history` in the bid scope: the bidding vendor's recorded evaluations (every contract, every
 * cycle) as the registry had them when the bid was accepted. `count` is how many; `lastScore` the score of
 * the latest, `meanScore` their mean rounded down, `lastPassed` whether the latest passed. With no
 * history: `count` 0, `lastScore` and `meanScore` 0, `lastPassed` false (test `count` to tell them apart).
 */
export const VENDOR_HISTORY_SHAPE = { count: 'int', lastScore: 'int', meanScore: 'int', lastPassed: 'bool' } as const;

/** Builds the scopes of one (schema-valid) procedure. */
export function buildProcedureScopes(procedure: ProcedureDefinition): ProcedureScopes {
  const inputs = fieldsShape(procedure.inputs);
  const derivedShape: Record<string, VariableShape> = {};
  const derivedScopes: ExpressionScope[] = [];
  for (const value of procedure.derived) {
    derivedScopes.push(new ExpressionScope({ inputs, derived: { ...derivedShape } }));
    derivedShape[value.id] = value.type;
  }

  const budgetingStep = procedure.steps.find((step) => step.kind === 'budgeting');
  const budget: Record<string, VariableShape> = { total: 'money' };
  if (budgetingStep?.kind === 'budgeting') for (const component of budgetingStep.budget.components) budget[component.id] = 'money';

  const procedureForms: Record<string, VariableShape> = {};
  const allForms: Record<string, VariableShape> = {};
  for (const step of procedure.steps) {
    for (const task of tasksOf(step.flow.nodes)) {
      const shape = fieldsShape(task.form);
      allForms[task.id] = shape;
      if (!CONTRACT_SCOPED_KINDS.includes(step.kind)) procedureForms[task.id] = shape;
    }
  }

  const selection = { method: 'string', round: 'int', receivedBids: 'int', qualifiedBids: 'int', winners: 'int' } as const;
  const contract = {
    amount: 'money',
    vendorId: 'string',
    vendorName: 'string',
    funds: Object.fromEntries(Object.keys(budget).filter((id) => id !== 'total').map((id) => [id, 'money' as const])),
  } as const;
  const performance = procedure.steps.find((step) => step.kind === 'performanceManagement');
  const ledgerTotals: Record<string, VariableShape> = {};
  const kpis: Record<string, VariableShape> = {};
  if (performance?.kind === 'performanceManagement') {
    for (const line of performance.performance.ledger.lines) ledgerTotals[line.id] = line.type;
    for (const kpi of performance.performance.kpis) kpis[kpi.id] = kpi.type;
  }
  // `evaluation.business` / `evaluation.financial`: the score of each indicator group the evaluation has.
  const indicatorGroups: Record<string, VariableShape> = {};
  if (performance?.kind === 'performanceManagement') for (const indicator of performance.performance.evaluation.indicators) indicatorGroups[indicator.group] = 'int';
  // `latePeriods`, `daysLate`: how many confirmed periods' ledgers came in after their due day, and by how many days in all.
  const ledger = { periods: 'int', totals: ledgerTotals, latePeriods: 'int', daysLate: 'int' } as const;
  // What the contract has paid so far, in total and per tranche (definitions/README.md, "Expressions").
  const release = procedure.steps.find((step) => step.kind === 'paymentRelease');
  const byTranche = Object.fromEntries((release?.kind === 'paymentRelease' ? release.payment.tranches : []).map((tranche) => [tranche.id, 'money' as const]));
  const payments = { paidFen: 'money', byTranche } as const;
  // Closed periods per period group: the ledger's, and each review group's (`performance.reviews`) beside it,
  // with its own KPIs and whether the period passed.
  const reviews = performance?.kind === 'performanceManagement' ? (performance.performance.reviews ?? []) : [];
  const reviewKpis = new Map(reviews.map((review) => [review.id, Object.fromEntries(review.kpis.map((kpi) => [kpi.id, kpi.type])) as Record<string, VariableShape>]));
  const periods: Record<string, ListOf> = { ledger: new ListOf({ period: 'int', kpis }) };
  for (const review of reviews) if (review.id !== 'ledger') periods[review.id] = new ListOf({ period: 'int', kpis: reviewKpis.get(review.id) ?? {}, passed: 'bool' });
  const reviewPassScopes = new Map<string, ExpressionScope>();

  const base = { inputs, derived: derivedShape };
  // Each scope is built when first asked for: building one costs a CEL environment, and a workflow, which
  // builds its scopes afresh whenever it is created or replayed, needs only a few of them at a time.
  const budgetScope = once(() => new ExpressionScope({ ...base, forms: procedureForms }));
  const procedureScope = once(() => new ExpressionScope({ ...base, forms: procedureForms, budget }));
  const selectionScope = once(() => new ExpressionScope({ ...base, forms: procedureForms, budget, selection }));
  const bidScope = once(() => new ExpressionScope({ ...base, forms: procedureForms, budget, selection, bid: { priceFen: 'money' }, vendor: { history: VENDOR_HISTORY_SHAPE } }));
  const kpiScope = once(() => new ExpressionScope({ ...base, budget, contract, ledger }));
  const contractTermsScope = once(() => new ExpressionScope({ ...base, budget, contract }));
  const indicatorScope = once(() => new ExpressionScope({ ...base, budget, contract, ledger, kpis }));
  const contractScope = once(
    () =>
      new ExpressionScope({
        ...base,
        forms: allForms,
        budget,
        selection,
        contract,
        ledger,
        kpis,
        evaluation: { score: 'int', passed: 'bool', ...indicatorGroups },
        acceptance: { passed: 'bool' },
        payments,
        periods,
      }),
  );
  return {
    derived: (index) => derivedScopes[index] ?? new ExpressionScope(base),
    get budget() {
      return budgetScope();
    },
    get procedure() {
      return procedureScope();
    },
    get selection() {
      return selectionScope();
    },
    get bid() {
      return bidScope();
    },
    get kpi() {
      return kpiScope();
    },
    get contractTerms() {
      return contractTermsScope();
    },
    get indicator() {
      return indicatorScope();
    },
    reviewPass: (reviewId) => {
      let scope = reviewPassScopes.get(reviewId);
      if (!scope) {
        scope = new ExpressionScope({ ...base, budget, contract, ledger, kpis: reviewKpis.get(reviewId) ?? {} });
        reviewPassScopes.set(reviewId, scope);
      }
      return scope;
    },
    get contract() {
      return contractScope();
    },
  };
}

/** `build`'s value, built on the first call and kept for the later ones. */
function once<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** Every human task of a flow, including the tasks inside parallel sign-offs. */
export function tasksOf(nodes: readonly FlowNodeT[]): TaskNodeT[] {
  return nodes.flatMap((node) => (node.type === 'task' ? [node] : node.type === 'parallel' ? node.tasks : []));
}

function fieldsShape(fields: readonly FieldDefinitionT[]): Record<string, VariableShape> {
  return Object.fromEntries(fields.map((field) => [field.id, field.type]));
}
