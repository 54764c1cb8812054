import { type FlowNodeT, minimumBiddersFor, type ProcedureStep, type TaskNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { deadlineAfter } from '../deadlines.js';
import { emptySelection, Refusal, type Run } from '../interpreter.js';
import { type Actor, type Bid, BIDDING_ROLES, type EngineEvent, type FormValues, type TaskInstance, type Winner } from '../types.js';

type BiddingNode = Extract<FlowNodeT, { type: 'bidding' }>;
type AwardNode = Extract<FlowNodeT, { type: 'award' }>;
type SelectionStep = Extract<ProcedureStep, { kind: 'vendorSelection' }>;

function selectionStep(run: Run): SelectionStep {
  const step = run.step;
  if (step.kind !== 'vendorSelection') throw new Error(`"${step.id}" is not a vendor selection step`);
  return step;
}

/**
 * Opens a bidding round for its window. Rounds beyond `whenTooFew.maxRounds` end the cycle: the
 * procedure has failed to find enough bidders as often as the definition allows.
 */
export function enterBidding(run: Run, node: BiddingNode): void {
  const step = selectionStep(run);
  const selection = run.values.selection ?? emptySelection(run);
  const round = selection.round + 1;
  if (round > step.selection.bidding.whenTooFew.maxRounds) {
    run.endStep('terminated', `too few bidders in ${selection.round} rounds of bidding (at least ${minimumBiddersFor(step.selection.bidding.minimumBidders, selection.method)} were needed)`);
    return;
  }
  checkReadyToBid(run, step, selection.method, round);
  run.values.selection = { ...selection, round, receivedBids: 0, qualifiedBids: 0, winners: 0 };
  run.state.bids = [];
  run.state.biddingOpen = true;
  const until = run.deadline(node.window, `the bidding window of "${node.title.zh}"`) ?? deadlineAfter(run.context, run.at, typeof node.window === 'string' ? node.window : `P${node.window.businessDays}D`);
  run.emit({ type: 'biddingOpened', at: run.at, until, round, method: run.values.selection.method });
  run.emit({ type: 'startTimer', timerId: `bidding:${round}`, until, purpose: 'bidding' });
}

/**
 * Refuses to open a round whose method has not taken effect: the roles the definition names have not
 * approved it since it was chosen (`methods.approvedBy`; after too few bidders, `whenTooFew.approvedBy`
 * for the switch), or an invited tender has no invitation list. The compiler (PF-APPROVAL,
 * PF-INVITATION) rejects flows that could get here; the refusal keeps a hand-built one from bidding.
 */
function checkReadyToBid(run: Run, step: SelectionStep, method: string, round: number): void {
  const { methods, bidding, invitations } = step.selection;
  const switched = round > 1 && bidding.whenTooFew.action === 'switchMethod';
  const required = [methods.approvedBy, switched ? bidding.whenTooFew.approvedBy : undefined].filter((role): role is string => role !== undefined);
  const approved = run.state.methodApprovals ?? [];
  const missing = [...new Set(required.filter((role) => !approved.includes(role)))];
  if (missing.length > 0) {
    throw new Refusal('conflict', `bidding cannot open: the ${switched ? 'switch to the ' : ''}procurement method "${method}" has not been approved by ${missing.map((r) => `"${r}"`).join(' and ')}`);
  }
  if (method === 'invitedTender' && !run.state.invitations) {
    throw new Refusal('conflict', `bidding cannot open: an invited tender needs its invitation list${invitations ? `, decided in "${invitations.decidedIn}"` : ''}`);
  }
}

/**
 * Records a bid of the open round. Only qualified, non-suspended vendors bid, once per round; a vendor's
 * own staff bid only for their organisation, and the procurement centre (or an administrator) may enter
 * a bid on a vendor's behalf, which the bid records.
 */
export function acceptBid(run: Run, bid: Bid, actor: Actor): void {
  if (actor.jurisdiction !== run.context.jurisdiction) {
    throw new Refusal('forbidden', `this cycle belongs to jurisdiction "${run.context.jurisdiction}"; you act for "${actor.jurisdiction}"`);
  }
  const role = BIDDING_ROLES.find((candidate) => actor.roles.includes(candidate));
  if (!role) throw new Refusal('forbidden', `only ${BIDDING_ROLES.map((r) => `"${r}"`).join(', ')} may hand in bids`);
  if (actor.vendorId !== undefined && actor.vendorId !== bid.vendorId) {
    throw new Refusal('forbidden', 'you may bid only in the name of your own organisation', 'vendorId');
  }
  if (!run.state.biddingOpen) throw new Refusal('conflict', 'bidding is not open in this cycle');
  const method = run.values.selection?.method;
  // Government Procurement Law art. 34: an invited tender takes bids only from the suppliers invited.
  if (method === 'invitedTender' && !run.state.invitations?.vendors.some((vendor) => vendor.vendorId === bid.vendorId)) {
    throw new Refusal('forbidden', `vendor "${bid.vendorName}" was not invited to this invited tender and may not bid`, 'vendorId');
  }
  if (method === 'singleSource' && run.state.bids.length > 0) {
    throw new Refusal('conflict', `a single-source round takes one supplier's offer, and "${run.state.bids[0]?.vendorName}" has made it`, 'vendorId');
  }
  if (!bid.qualified) throw new Refusal('invalid', `vendor "${bid.vendorName}" is not a verified, active undertaking organisation and may not bid`, 'vendorId');
  if (!Number.isSafeInteger(bid.priceFen) || bid.priceFen <= 0) throw new Refusal('invalid', 'the bid price must be a positive whole number of fen', 'priceFen');
  if (run.state.bids.some((other) => other.vendorId === bid.vendorId)) throw new Refusal('conflict', `vendor "${bid.vendorName}" has already bid in this round`);
  if (run.state.bids.some((other) => other.bidId === bid.bidId)) throw new Refusal('conflict', `bid "${bid.bidId}" was already received`);
  run.state.bids.push({ ...bid, enteredBy: { userId: actor.userId, name: actor.name, role, onBehalf: actor.vendorId !== bid.vendorId } });
}

/** The bidding window has closed: enough qualified bids go on to the award, too few take `onTooFew`. */
export function closeBidding(run: Run, round: string): void {
  const selection = run.values.selection;
  const node = run.state.nodeId ? run.node(run.state.nodeId) : undefined;
  // A timer of an earlier round, or of a cancelled cycle, changes nothing.
  if (!run.state.biddingOpen || !selection || String(selection.round) !== round || node?.type !== 'bidding') return;
  const step = selectionStep(run);
  run.state.biddingOpen = false;
  const received = run.state.bids.length;
  const qualified = run.state.bids.filter((bid) => bid.qualified).length;
  const enough = qualified >= minimumBiddersFor(step.selection.bidding.minimumBidders, selection.method);
  run.values.selection = { ...selection, receivedBids: received, qualifiedBids: qualified };
  run.emit({ type: 'biddingClosed', at: run.at, received, qualified, enough });
  if (enough) {
    run.succeed(node.id);
    run.enterNode(node.next);
  } else {
    run.enterNode(node.onTooFew);
  }
}

export function enterAward(run: Run, node: AwardNode): void {
  run.openTask(node, 'award', node.role, node.sla);
}

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/**
 * The panel's award: a score (0–100) per evaluation criterion for every qualified bid, and the
 * winners with their contract amounts. Refuses scores that are missing or out of range, winners that
 * are not qualified bids of this round, fall below the pass score, are too few or too many, or
 * whose amounts exceed the approved budget.
 */
export function decideAward(run: Run, task: TaskInstance, event: TaskDecided): void {
  const step = selectionStep(run);
  const node = run.node(task.nodeId);
  if (node.type !== 'award') throw new Error(`"${task.nodeId}" is not an award node`);
  if (event.outcome !== 'approve') throw new Refusal('invalid', 'an award is decided with "approve" and its winners', 'outcome');
  const payload = event.payload;
  if (payload?.kind !== 'award') throw new Refusal('invalid', 'an award needs scores for every bid and the winners', 'award');
  const { criteria, passScore } = step.selection.evaluation;
  const scores = new Map<string, number>();
  for (const bid of run.state.bids.filter((b) => b.qualified)) {
    const given = payload.scores[bid.bidId];
    if (!given) throw new Refusal('invalid', `bid "${bid.bidId}" (${bid.vendorName}) has no scores`, `award.scores.${bid.bidId}`);
    let weighted = 0;
    for (const criterion of criteria) {
      const score = given[criterion.id];
      if (typeof score !== 'number' || !Number.isInteger(score) || score < 0 || score > 100) {
        throw new Refusal('invalid', `score for "${criterion.title.zh}" of bid "${bid.bidId}" must be a whole number from 0 to 100`, `award.scores.${bid.bidId}.${criterion.id}`);
      }
      weighted += criterion.weight * score;
    }
    // Weights add up to 100, so this is the weighted average, rounded down to a whole score.
    scores.set(bid.bidId, Math.floor(weighted / 100));
  }
  const { minWinners, maxWinners } = step.selection.awards;
  if (payload.winners.length < minWinners || payload.winners.length > maxWinners) {
    throw new Refusal('invalid', `name between ${minWinners} and ${maxWinners} winners; ${payload.winners.length} were named`, 'award.winners');
  }
  const winners: Winner[] = [];
  for (const [index, chosen] of payload.winners.entries()) {
    const bid = run.state.bids.find((b) => b.bidId === chosen.bidId && b.qualified);
    if (!bid) throw new Refusal('invalid', `"${chosen.bidId}" is not a qualified bid of this round`, `award.winners.${index}.bidId`);
    if (winners.some((w) => w.vendorId === bid.vendorId)) throw new Refusal('invalid', `"${bid.vendorName}" is named twice`, `award.winners.${index}.bidId`);
    const score = scores.get(bid.bidId) ?? 0;
    if (score < passScore) throw new Refusal('invalid', `"${bid.vendorName}" scored ${score}, below the pass score of ${passScore}`, `award.winners.${index}.bidId`);
    if (!Number.isSafeInteger(chosen.amountFen) || chosen.amountFen <= 0) throw new Refusal('invalid', 'a contract amount must be a positive whole number of fen', `award.winners.${index}.amountFen`);
    // A vendor is held to its own offer: the award may lower the price, never raise it.
    if (chosen.amountFen > bid.priceFen) {
      throw new Refusal('invalid', `the contract amount of ${chosen.amountFen} fen for "${bid.vendorName}" is above its bid of ${bid.priceFen} fen`, `award.winners.${index}.amountFen`);
    }
    winners.push({ bidId: bid.bidId, vendorId: bid.vendorId, vendorName: bid.vendorName, amountFen: chosen.amountFen, score });
  }
  const total = winners.reduce((sum, w) => sum + w.amountFen, 0);
  const budget = run.values.budget?.['total'] ?? 0;
  if (total > budget) throw new Refusal('invalid', `the contract amounts add up to ${total} fen, above the approved budget of ${budget} fen`, 'award.winners');

  run.state.winners = winners;
  run.values.selection = { ...(run.values.selection ?? emptySelection(run)), winners: winners.length };
  run.closeTask(task, 'decided', { outcome: 'approve', actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: { winners: winners.map((w) => w.vendorName).join('、'), amountFen: total } });
  run.succeed(node.id);
  run.enterNode(node.next);
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
