import type { FlowNodeT, ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { evaluateFen, scopesOf } from '../evaluate.js';
import type { NodeHandler, Run } from '../run.js';

type PaymentNode = Extract<FlowNodeT, { type: 'payment' }>;

/** Pays one tranche of the contract. */
export const paymentNode: NodeHandler<PaymentNode> = { enter: enterPayment };

/**
 * Instructs one tranche's payment (none when it comes to 0 fen). Guarantees: a tranche is paid at most once per contract, never
 * before its trigger node has succeeded, never so that the contract is paid more than its amount, never
 * so that it is paid in full before its term has ended, and never after the performance step when that
 * step skipped the ledger periods that set the term; a breach of these ends the contract as
 * failed (for ops staff to see) rather than paying. The tranches of one fund are never paid more than
 * the fund's share of the contract: one that would be is paid what the fund has left (withinItsFund).
 */
function enterPayment(run: Run, node: PaymentNode): void {
  const release = run.definition.steps.find((step) => step.kind === 'paymentRelease');
  const tranche = release?.kind === 'paymentRelease' ? release.payment.tranches.find((t) => t.id === node.tranche) : undefined;
  const contract = run.values.contract;
  if (!tranche || !contract) {
    run.finish('failed', `payment node "${node.id}" has no tranche "${node.tranche}" or no contract`);
    return;
  }
  if (run.state.paidTranches.includes(tranche.id)) {
    run.succeed(node.id);
    run.enterNode(node.next);
    return;
  }
  if (paidBeforeTerm(run)) {
    const message = `tranche "${tranche.id}" comes after the performance step but was reached before the contract's term ends at ${run.state.termEndsAt ?? ''}; nothing was paid`;
    run.emit({ type: 'incident', at: run.at, message });
    run.finish('failed', message);
    return;
  }
  if (paidWithoutTerm(run)) {
    const message = `tranche "${tranche.id}" comes after the performance step, which reached its end without running its ledger periods: the contract has no term for the money to wait for; nothing was paid`;
    run.emit({ type: 'incident', at: run.at, message });
    run.finish('failed', message);
    return;
  }
  if (!run.state.succeeded.includes(tranche.after)) {
    run.finish('failed', `tranche "${tranche.id}" was reached before "${tranche.after}" succeeded; nothing was paid`);
    return;
  }
  // `payments` is rebuilt from the state the guarantees above rely on, so the amount reads what they check.
  const payments = { paidFen: run.state.paidFen, byTranche: paymentsByTranche(run.definition, run.values.payments?.byTranche ?? {}) };
  run.values.payments = payments;
  let amount = evaluateFen(scopesOf(run.definition).contract, tranche.amount, run.values, `tranche "${tranche.id}"`);
  // The exit mechanism withholds this tranche (performance.exit.withholds): it is not paid, and the audit trail says so.
  if (run.state.exit?.withholds.includes(tranche.id)) {
    run.emit({ type: 'withholdTranche', at: run.at, trancheId: tranche.id, amountFen: amount, vendorId: contract.vendorId, reason: run.state.exit.reason });
    run.succeed(node.id);
    run.enterNode(node.next);
    return;
  }
  const capped = withinItsFund(run, tranche, amount);
  if (capped) amount = capped.paidFen;
  if (run.state.paidFen + amount > contract.amount) {
    const reason = `tranche "${tranche.id}" of ${amount} fen would bring payments to ${run.state.paidFen + amount} fen, above the contract amount of ${contract.amount} fen; nothing was paid`;
    // A definition whose amounts can overpay is for ops staff to fix: it stands in the audit trail as an incident.
    run.emit({ type: 'incident', at: run.at, message: reason });
    run.finish('failed', reason);
    return;
  }
  if (fullBeforeTerm(run, amount)) {
    const reason = `tranche "${tranche.id}" of ${amount} fen would bring payments to ${run.state.paidFen + amount} fen, the whole contract amount, before the contract's term ends${run.state.termEndsAt ? ` at ${run.state.termEndsAt}` : ''}: the final part of the money waits for the term; nothing was paid`;
    run.emit({ type: 'incident', at: run.at, message: reason });
    run.finish('failed', reason);
    return;
  }
  if (capped) run.emit({ type: 'capTranche', at: run.at, trancheId: tranche.id, vendorId: contract.vendorId, ...capped });
  run.state.paidTranches.push(tranche.id);
  run.state.paidFen += amount;
  run.values.payments = { paidFen: run.state.paidFen, byTranche: { ...payments.byTranche, [tranche.id]: amount } };
  // A tranche that comes to nothing (a score of 0, deductions as large as the amount) is settled without a payment.
  if (amount === 0) {
    run.succeed(node.id);
    run.enterNode(node.next);
    return;
  }
  run.emit({
    type: 'instructPayment',
    at: run.at,
    trancheId: tranche.id,
    ...(tranche.fund ? { fund: tranche.fund } : {}),
    amountFen: amount,
    vendorId: contract.vendorId,
    vendorName: contract.vendorName,
  });
  run.succeed(node.id);
  run.enterNode(node.next);
}

type Tranche = Extract<ProcedureDefinition['steps'][number], { kind: 'paymentRelease' }>['payment']['tranches'][number];

/**
 * A tranche of a fund whose amount is more than the fund has left of its share of the contract
 * (`contract.funds.<fund>`, less what the fund's tranches were paid): what it is paid instead, the rest of
 * the share (0 when none is left). Undefined when it fits, names no fund, or the contract was recorded
 * before the cap (`tranchesUncappedByFund`).
 *
 * Capped rather than failed, unlike a breach of the contract total: a fund is a budget line, and seed 001
 * §二(四) pays Deqing's activity funds 「按实际列支拨付」 — by what was actually spent, within the activity
 * funds — so a last tranche of a fund ("the rest", scaled by the score, capped by spend) is expected to be
 * paid what its fund has left, not to fail a contract whose work was done. The cap stands in the audit
 * trail (`capTranche`).
 */
function withinItsFund(run: Run, tranche: Tranche, amount: number): { fund: string; amountFen: number; paidFen: number; fundShareFen: number } | undefined {
  const share = tranche.fund === undefined ? undefined : run.values.contract?.funds[tranche.fund];
  if (run.context.tranchesUncappedByFund || tranche.fund === undefined || share === undefined) return undefined;
  const release = run.definition.steps.find((step) => step.kind === 'paymentRelease');
  const ofFund = release?.kind === 'paymentRelease' ? release.payment.tranches.filter((t) => t.fund === tranche.fund && t.id !== tranche.id) : [];
  const paid = ofFund.reduce((sum, t) => sum + (run.values.payments?.byTranche[t.id] ?? 0), 0);
  const left = Math.max(0, share - paid);
  return amount > left ? { fund: tranche.fund, amountFen: amount, paidFen: left, fundShareFen: share } : undefined;
}

/**
 * Whether paying `amount` now would bring the contract's paid total up to its amount before the term has
 * ended: the final part of the money waits for the term (issue 9, "the final tranche can never be released
 * before the contract's term has ended"). Before the ledger periods have started the term has not begun;
 * in the payment step with no term there is none to wait for (a definition without ledger periods; one with
 * them whose flow ran none is refused before this, by paidWithoutTerm).
 * (Contracts recorded before this pay as they did: `fullPaymentBeforeTerm`.)
 */
function fullBeforeTerm(run: Run, amount: number): boolean {
  const contract = run.values.contract;
  if (run.context.fullPaymentBeforeTerm || !contract || amount <= 0 || run.state.paidFen + amount < contract.amount) return false;
  const termEndsAt = run.state.termEndsAt;
  if (termEndsAt) return Date.parse(run.at) < Date.parse(termEndsAt);
  const performance = run.definition.steps.findIndex((step) => step.kind === 'performanceManagement');
  return run.state.stepIndex <= performance;
}

/**
 * Whether this payment, in a step after the performance step, comes in a contract whose definition has
 * ledger periods but which ran none of them (its performance flow found a way to its end around them):
 * with no term there is nothing for the final part of the money to wait for, so nothing is paid.
 * PF-FINAL-TRANCHE rejects such a flow; this holds for definitions compiled before it did.
 * (Contracts recorded before the final money waited for the term pay as they did: `fullPaymentBeforeTerm`.)
 */
function paidWithoutTerm(run: Run): boolean {
  if (run.context.fullPaymentBeforeTerm || run.state.termEndsAt !== undefined) return false;
  const performance = run.definition.steps.findIndex((step) => step.kind === 'performanceManagement');
  const step = run.definition.steps[performance];
  return step !== undefined && run.state.stepIndex > performance && step.flow.nodes.some((node) => node.type === 'ledgerPeriods');
}

/** Every tranche of the definition with what it was paid in fen: `paid`'s amount, or 0 for a tranche not paid yet. */
export function paymentsByTranche(definition: ProcedureDefinition, paid: Readonly<Record<string, number>>): Record<string, number> {
  const release = definition.steps.find((step) => step.kind === 'paymentRelease');
  const tranches = release?.kind === 'paymentRelease' ? release.payment.tranches : [];
  return Object.fromEntries(tranches.map((tranche) => [tranche.id, paid[tranche.id] ?? 0]));
}

/**
 * Whether this payment, in a step after the performance step, comes before the contract's term has ended:
 * the ledger periods hold the flow until then, so only a definition's flow that skips them gets here.
 * (Contracts recorded before the term held the performance step pay as they did.)
 */
function paidBeforeTerm(run: Run): boolean {
  const termEndsAt = run.state.termEndsAt;
  if (run.context.termEndsAtLastLedger || !termEndsAt || Date.parse(run.at) >= Date.parse(termEndsAt)) return false;
  const performance = run.definition.steps.findIndex((step) => step.kind === 'performanceManagement');
  return performance >= 0 && run.state.stepIndex > performance;
}
