import type { FlowNodeT, ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { evaluateFen, scopesOf } from '../evaluate.js';
import type { NodeHandler, Run } from '../run.js';

type PaymentNode = Extract<FlowNodeT, { type: 'payment' }>;

/** Pays one tranche of the contract. */
export const paymentNode: NodeHandler<PaymentNode> = { enter: enterPayment };

/**
 * Instructs one tranche's payment (none when it comes to 0 fen). Guarantees: a tranche is paid at most once per contract, never
 * before its trigger node has succeeded, and never so that the contract is paid more than its amount;
 * a breach of either ends the contract as failed (for ops staff to see) rather than paying.
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
  if (!run.state.succeeded.includes(tranche.after)) {
    run.finish('failed', `tranche "${tranche.id}" was reached before "${tranche.after}" succeeded; nothing was paid`);
    return;
  }
  // `payments` is rebuilt from the state the guarantees above rely on, so the amount reads what they check.
  const payments = { paidFen: run.state.paidFen, byTranche: paymentsByTranche(run.definition, run.values.payments?.byTranche ?? {}) };
  run.values.payments = payments;
  const amount = evaluateFen(scopesOf(run.definition).contract, tranche.amount, run.values, `tranche "${tranche.id}"`);
  // The exit mechanism withholds this tranche (performance.exit.withholds): it is not paid, and the audit trail says so.
  if (run.state.exit?.withholds.includes(tranche.id)) {
    run.emit({ type: 'withholdTranche', at: run.at, trancheId: tranche.id, amountFen: amount, vendorId: contract.vendorId, reason: run.state.exit.reason });
    run.succeed(node.id);
    run.enterNode(node.next);
    return;
  }
  if (run.state.paidFen + amount > contract.amount) {
    const reason = `tranche "${tranche.id}" of ${amount} fen would bring payments to ${run.state.paidFen + amount} fen, above the contract amount of ${contract.amount} fen; nothing was paid`;
    // A definition whose amounts can overpay is for ops staff to fix: it stands in the audit trail as an incident.
    run.emit({ type: 'incident', at: run.at, message: reason });
    run.finish('failed', reason);
    return;
  }
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
