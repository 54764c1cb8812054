import type { FlowNodeT, ProcedureStep } from '../../../src/definitions/procedure/procedure.schema.js';
import { minimumBiddersFor } from '../../../src/definitions/procedure/procedure-vocabulary.js';
import { deadlineAfter } from '../deadlines.js';
import { Refusal, type NodeHandler, type Run } from '../run.js';
import { emptySelection } from '../steps/vendor-selection.js';
import { ineligibility } from './award.js';
import { type Actor, type Bid, BIDDING_ROLES } from '../types.js';

type BiddingNode = Extract<FlowNodeT, { type: 'bidding' }>;
type SelectionStep = Extract<ProcedureStep, { kind: 'vendorSelection' }>;

/** A bidding round: open for its window (timer `bidding:<round>`), then enough bids or `onTooFew`. */
export const biddingNode: NodeHandler<BiddingNode> = {
  enter: enterBidding,
  timers: { bidding: closeBidding },
};

/**
 * Opens a bidding round for its window. Rounds beyond `whenTooFew.maxRounds` end the cycle: the
 * procedure has failed to find enough bidders as often as the definition allows.
 */
function enterBidding(run: Run, node: BiddingNode): void {
  const step = run.stepOf('vendorSelection');
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
  // The award rule's verdict is kept with the bid, so the bids list can show who may not win and why.
  const ineligible = ineligibility(run, bid);
  run.state.bids.push({ ...bid, enteredBy: { userId: actor.userId, name: actor.name, role, onBehalf: actor.vendorId !== bid.vendorId }, ...(ineligible !== undefined ? { ineligible } : {}) });
}

/** The bidding window has closed: enough qualified bids go on to the award, too few take `onTooFew`. */
function closeBidding(run: Run, round: string): void {
  const selection = run.values.selection;
  const node = run.state.nodeId ? run.node(run.state.nodeId) : undefined;
  // A timer of an earlier round, or of a cancelled cycle, changes nothing.
  if (!run.state.biddingOpen || !selection || String(selection.round) !== round || node?.type !== 'bidding') return;
  const step = run.stepOf('vendorSelection');
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

