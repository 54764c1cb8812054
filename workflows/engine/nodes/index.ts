/**
 * The dispatch table of the interpreter: one row per node kind (its module says what entering it,
 * deciding its tasks and its timers do) and what completing a step computes. A new node kind is a new
 * module in this folder and one row here; the compiler's types make a missing row an error.
 */
import type { EngineTable } from '../run.js';
import { computeBudget } from '../steps/budgeting.js';
import { acceptanceNode } from './acceptance.js';
import { awardNode } from './award.js';
import { biddingNode } from './bidding.js';
import { branchNode } from './branch.js';
import { endNode } from './end.js';
import { evaluationNode } from './evaluation.js';
import { ledgerPeriodsNode } from './ledger-periods.js';
import { parallelNode } from './parallel.js';
import { paymentNode } from './payment.js';
import { publishNode } from './publish.js';
import { taskNode } from './task.js';
import { timerNode } from './timer.js';

export const ENGINE_TABLE: EngineTable = {
  nodes: {
    task: taskNode,
    parallel: parallelNode,
    timer: timerNode,
    branch: branchNode,
    publish: publishNode,
    end: endNode,
    bidding: biddingNode,
    award: awardNode,
    ledgerPeriods: ledgerPeriodsNode,
    evaluation: evaluationNode,
    acceptance: acceptanceNode,
    payment: paymentNode,
  },
  stepCompleted: { budgeting: computeBudget },
};
