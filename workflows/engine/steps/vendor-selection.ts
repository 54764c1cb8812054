import type { TaskNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { minimumBiddersFor } from '../../../src/definitions/procedure/procedure-vocabulary.js';
import { Refusal, type Run } from '../run.js';
import type { EngineEvent, EngineValues, FormValues } from '../types.js';

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** The selection values before the first round: the definition's default method, nothing received. */
export function emptySelection(run: Run): NonNullable<EngineValues['selection']> {
  const selection = run.definition.steps.find((step) => step.kind === 'vendorSelection');
  const method = selection?.kind === 'vendorSelection' ? selection.selection.methods.default : 'openTender';
  return { method, round: 0, receivedBids: 0, qualifiedBids: 0, winners: 0 };
}

/**
 * What a positive decision of a vendor-selection task means for the method: choosing it (in
 * `methods.chosenIn`, which asks for fresh approvals), approving it (a task of an approver's role that
 * approves, or that chooses the method itself: the authority deciding is its approval), and naming
 * the invited vendors (in `invitations.decidedIn`, when the method is an invited tender). Returns the
 * fields to record with the decision, with the invitation list added for the audit trail.
 */
export function decideSelectionTask(run: Run, node: TaskNodeT, event: TaskDecided, fields: FormValues): FormValues {
  const step = run.step.kind === 'vendorSelection' ? run.step : undefined;
  if (!step) {
    if (event.payload?.kind === 'invitations') throw new Refusal('invalid', `task "${node.title.zh}" does not decide invitations`, 'payload');
    return fields;
  }
  const { methods, bidding, invitations } = step.selection;
  const chosenIn = methods.chosenIn;
  const choosing = chosenIn?.task === node.id && typeof fields[chosenIn.field] === 'string';
  if (chosenIn && choosing) {
    const method = fields[chosenIn.field] as string;
    const selection = run.values.selection ?? emptySelection(run);
    const whenTooFew = bidding.whenTooFew;
    // After a round with too few bidders, a definition that switches method allows only its alternatives.
    if (selection.round > 0 && whenTooFew.action === 'switchMethod' && !(whenTooFew.switchTo as readonly string[]).includes(method)) {
      throw new Refusal('invalid', `after too few bidders the method must change to one of ${whenTooFew.switchTo.join(', ')}; "${method}" was chosen`, `fields.${chosenIn.field}`);
    }
    run.values.selection = { ...selection, method };
    run.state.methodApprovals = [];
  }
  const approvers = [methods.approvedBy, bidding.whenTooFew.approvedBy];
  if (approvers.includes(node.role) && (event.outcome === 'approve' || choosing)) {
    run.state.methodApprovals = [...new Set([...(run.state.methodApprovals ?? []), node.role])];
  }
  if (invitations?.decidedIn !== node.id) {
    if (event.payload?.kind === 'invitations') throw new Refusal('invalid', `task "${node.title.zh}" does not decide invitations`, 'payload');
    return fields;
  }
  const method = run.values.selection?.method ?? methods.default;
  if (method !== 'invitedTender') {
    if (event.payload?.kind === 'invitations') throw new Refusal('invalid', `invitations apply only to an invited tender; the method is "${method}"`, 'payload');
    delete run.state.invitations;
    return fields;
  }
  const payload = event.payload;
  if (payload?.kind !== 'invitations') {
    throw new Refusal('invalid', 'an invited tender needs its invitation list: payload { kind: "invitations", vendorIds: [...] }', 'payload');
  }
  const vendors: Array<{ vendorId: string; vendorName: string }> = [];
  for (const [index, vendor] of payload.vendors.entries()) {
    if (vendors.some((other) => other.vendorId === vendor.vendorId)) throw new Refusal('invalid', `vendor "${vendor.vendorName}" is invited twice`, `payload.vendorIds.${index}`);
    vendors.push({ vendorId: vendor.vendorId, vendorName: vendor.vendorName });
  }
  const needed = minimumBiddersFor(bidding.minimumBidders, 'invitedTender');
  if (vendors.length < needed) {
    throw new Refusal('invalid', `an invited tender invites at least ${needed} vendors (Government Procurement Law art. 34); ${vendors.length} were named`, 'payload.vendorIds');
  }
  run.state.invitations = { taskId: `${node.id}#${run.state.visits[node.id] ?? 1}`, decidedBy: event.actor.userId, vendors };
  return { ...fields, invitedVendorIds: vendors.map((v) => v.vendorId).join(','), invitedVendors: vendors.map((v) => v.vendorName).join('、') };
}
