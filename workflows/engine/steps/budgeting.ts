import type { ProcedureStep } from '../../../src/definitions/procedure/procedure.schema.js';
import { evaluateFen, scopesOf } from '../evaluate.js';
import { Refusal, type Run } from '../run.js';

/**
 * Computes the approved budget when the budgeting step completes: the total and each component, in
 * fen. Refuses the decision that completes the step when the components do not add up to the total,
 * so a budget that does not balance is never approved.
 */
export function computeBudget(run: Run, step: Extract<ProcedureStep, { kind: 'budgeting' }>): void {
  const scope = scopesOf(run.definition).budget;
  const total = evaluateFen(scope, step.budget.total, run.values, 'the budget total');
  const budget: Record<string, number> = { total };
  let sum = 0;
  for (const component of step.budget.components) {
    const amount = evaluateFen(scope, component.amount, run.values, `budget component "${component.id}"`);
    budget[component.id] = amount;
    sum += amount;
  }
  if (step.budget.components.length > 0 && sum !== total) {
    throw new Refusal('invalid', `the budget components add up to ${sum} fen but the total is ${total} fen; correct the amounts before approving`);
  }
  if (total === 0) throw new Refusal('invalid', 'the budget total is 0 fen; a purchase needs a budget');
  run.values.budget = budget;
}
