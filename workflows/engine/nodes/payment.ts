import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
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
  const amount = evaluateFen(scopesOf(run.definition).contract, tranche.amount, run.values, `tranche "${tranche.id}"`);
  if (run.state.paidFen + amount > contract.amount) {
    run.finish('failed', `tranche "${tranche.id}" of ${amount} fen would bring payments to ${run.state.paidFen + amount} fen, above the contract amount of ${contract.amount} fen; nothing was paid`);
    return;
  }
  run.state.paidTranches.push(tranche.id);
  run.state.paidFen += amount;
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
