import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { evaluate, EvaluationFailure, scopesOf } from '../evaluate.js';
import { Refusal, type NodeHandler, type Run } from '../run.js';
import { emptySelection } from '../steps/vendor-selection.js';
import type { Bid, EngineEvent, TaskInstance, VendorHistorySummary, Winner } from '../types.js';

type AwardNode = Extract<FlowNodeT, { type: 'award' }>;
type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** The panel's award task: scores and winners. */
export const awardNode: NodeHandler<AwardNode> = {
  enter: (run, node) => {
    run.openTask(node, 'award', node.role, node.sla);
  },
  tasks: { award: decideAward },
};

/** `vendor.history` when the bid carries none: a vendor without recorded evaluations. */
export const NO_HISTORY: VendorHistorySummary = { count: 0, lastScore: 0, meanScore: 0, lastPassed: false };

/** The values of the bid scope for one bid: the selection values, the bid and its vendor's history as the bid carries it. */
function bidValues(run: Run, bid: Bid) {
  return { ...run.values, bid: { priceFen: bid.priceFen }, vendor: { history: bid.history ?? NO_HISTORY } };
}

/**
 * Why a bid may not win under the definition's award rule (`selection.awards.eligibility`): its reason
 * when `when` is false for the bid, undefined when it holds or there is no rule. Reads only what the bid
 * carries, so the verdict at the bid and at the award is the same.
 */
export function ineligibility(run: Run, bid: Bid): string | undefined {
  const rule = run.stepOf('vendorSelection').selection.awards.eligibility;
  if (!rule) return undefined;
  const value = evaluate(scopesOf(run.definition).bid, rule.when, bidValues(run, bid));
  if (typeof value !== 'boolean') throw new EvaluationFailure(`"${rule.when}" gave ${String(value)}, not true or false`);
  return value ? undefined : rule.reason.zh;
}

/**
 * A computed criterion's score for one bid: its expression over the selection values, the bid and the
 * bidding vendor's history as carried in the bid, held to 0–100 like a score the panel gives.
 */
function computedScore(run: Run, expression: string, bid: Bid): number {
  const value = evaluate(scopesOf(run.definition).bid, expression, bidValues(run, bid));
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new EvaluationFailure(`"${expression}" gave ${String(value)}, not a whole score`);
  return Math.min(100, Math.max(0, value));
}

/**
 * The panel's award: a score (0–100) per evaluation criterion for every qualified bid (but those the
 * definition computes, `criteria[].computed`), and the
 * winners with their contract amounts. Refuses scores that are missing or out of range, winners that
 * are not qualified bids of this round, fall below the pass score, are too few or too many, or
 * whose amounts exceed the approved budget, and winners the award rule makes ineligible.
 */
function decideAward(run: Run, task: TaskInstance, event: TaskDecided): void {
  const step = run.stepOf('vendorSelection');
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
      if (criterion.computed !== undefined) {
        if (given[criterion.id] !== undefined) {
          throw new Refusal('invalid', `"${criterion.title.zh}" is computed by the definition for every bid; leave its score out`, `award.scores.${bid.bidId}.${criterion.id}`);
        }
        weighted += criterion.weight * computedScore(run, criterion.computed, bid);
        continue;
      }
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
    const barred = ineligibility(run, bid);
    if (barred !== undefined) {
      const rule = step.selection.awards.eligibility?.when ?? '';
      throw new Refusal('invalid', `bid "${bid.bidId}" of "${bid.vendorName}" (${bid.vendorId}) may not win: ${barred} (selection.awards.eligibility: ${rule})`, `award.winners.${index}.bidId`);
    }
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

