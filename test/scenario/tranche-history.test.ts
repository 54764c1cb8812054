import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { eventually } from '../support/eventually.js';
import { formFor } from '../support/procedure-driver.js';
import { edited } from '../support/minimal-procedure.js';
import { type CycleDetail, CycleDrive, incidentsOf, ProcedureScenario, ScenarioStack } from './http-driver.js';

/*
 * A 30 / 40 / 30 contract whose last tranche is "the rest", through the HTTP API on the time-skipping
 * server pinned to 2054. The Deqing template (seed 001: activity funds paid after the evaluation, by
 * actual spending) is rewritten so that its contract pays
 *   - `workingFunds`  30 % of the contract when the agreement is signed (working fund),
 *   - `midTerm`       40 % once the monthly ledgers are confirmed (activity fund),
 *   - `activityFunds` the rest of the contract — what the first two did not pay — scaled by the
 *                     evaluation score, never more than the activity funds actually spent, and never
 *                     more than the activity fund has left of its share of the contract.
 * A second version writes the last tranche without the history (the whole contract scaled by the
 * score, capped by spend) and outside any fund: it would overpay, and the contract fails paying nothing more.
 */

const TEMPLATE = 'deqing-community-correction';
const TEMPLATE_TEXT = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', `${TEMPLATE}.yaml`), 'utf8');
const JURISDICTION = /jurisdiction:\s*\{\s*code:\s*([a-z0-9-]+)/.exec(TEMPLATE_TEXT)?.[1] ?? '';
const THE_REST = 'min((contract.amount - payments.paidFen) * evaluation.score / 100, ledger.totals.activityFundsSpent)';
const WITHOUT_HISTORY = 'min(contract.amount * evaluation.score / 100, ledger.totals.activityFundsSpent)';
const LAST_TRANCHE_FUND = '          fund: activityFunds\n          after: thirdPartyEvaluation\n';
/** Deqing's computed completion score: these cases are about tranches, so the evaluator scores every indicator. */
const COMPUTED_COMPLETION = '            score: (kpis.educationCompliancePct + kpis.communityServiceCompliancePct + kpis.homeVisitCompliancePct) / 3\n';

/** The template as a 30 / 40 / 30 contract under `key`, its last tranche's amount `last`, of the activity fund or (`inFund` false) of none. */
function thirtyFortyThirty(key: string, last: string, inFund = true): string {
  return edited(TEMPLATE_TEXT, [
    [`  key: ${TEMPLATE}\n`, `  key: ${key}\n`],
    [COMPUTED_COMPLETION, ''],
    ['          amount: contract.funds.workingFunds\n', '          amount: contract.amount * 30 / 100\n'],
    [LAST_TRANCHE_FUND, inFund ? LAST_TRANCHE_FUND : '          after: thirdPartyEvaluation\n'],
    [
      '          amount: min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activityFundsSpent)\n',
      `          amount: "${last}"\n        - id: midTerm\n          title: { zh: 中期款, en: Mid-term payment }\n          fund: activityFunds\n          after: monthlyLedgers\n          amount: contract.amount * 40 / 100\n`,
    ],
    [
      '          title: { zh: 每月报送台账，司法所审核确认, en: Monthly ledgers confirmed by the judicial office }\n          next: inspection\n',
      '          title: { zh: 每月报送台账，司法所审核确认, en: Monthly ledgers confirmed by the judicial office }\n          next: payMidTerm\n',
    ],
    ['        - id: inspection\n', '        - { id: payMidTerm, type: payment, tranche: midTerm, next: inspection }\n        - id: inspection\n'],
  ]);
}

describe('a last tranche computed from what was paid, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_tranche_history');

  /**
   * One cycle of `scenario`: three vendors bid 3 000 000 fen, the first wins at that price, two months
   * of 100 persons with 40 % of the fee as working funds, the vendor reports `spent` fen of activity
   * funds in each month, every evaluation indicator scores `score` (the score is `score` whatever the
   * weights). Driven until the contract has ended.
   */
  async function contractOf(scenario: ProcedureScenario, spent: readonly [number, number], score: number): Promise<CycleDetail> {
    const { definition } = scenario;
    const vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社'].map((name) => `${name}${scenario.key.slice(-4)}`), 'civil-affairs');
    const winner = vendorIds[0]!;
    // Two months of 100 persons at 360 000 fen a year: 100 × 360 000 × 2 / 12 = 6 000 000 fen of budget,
    // 40 % of it working funds: 2 400 000, and activity funds 6 000 000 − 2 400 000 = 3 600 000. The contract's
    // shares: working ⌊2 400 000 × 3 000 000 / 6 000 000⌋ = 1 200 000, activity ⌊3 600 000 × 3 000 000 / 6 000 000⌋ = 1 800 000.
    const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 2 });
    const drive = new CycleDrive(scenario, cycleId, planner, {
      bidders: vendorIds,
      winner,
      priceFen: 3_000_000,
      forms: { draftBudget: { supervisedPersons: 100 } },
      ledger: (period) => ({ activityFundsSpent: spent[period - 1]! }),
      evaluationScore: score,
    });
    const { cycle } = await drive.until((now) => ['completed', 'failed', 'terminated'].includes(now.contracts[0]?.status ?? ''), { skip: true });
    return cycle;
  }

  /** The 30 / 40 / 30 procedure, deployed by the first case that needs it. */
  let theRest: Promise<ProcedureScenario> | undefined;

  /*
   * Every case pays 3 000 000 × 30 / 100 = 900 000 at signing (working fund: 900 000 ≤ 1 200 000) and
   * 3 000 000 × 40 / 100 = 1 200 000 after the ledgers (activity fund: 1 200 000 ≤ 1 800 000). The last
   * tranche reads the rest, 3 000 000 − (900 000 + 1 200 000) = 900 000, and the activity fund has
   * 1 800 000 − 1 200 000 = 600 000 left.
   */
  it.each([
    {
      title: 'the rest capped by spend',
      // 300 000 + 250 000 = 550 000 spent; 900 000 × 90 / 100 = 810 000; min(810 000, 550 000) = 550 000 ≤ 600 000.
      spent: [300_000, 250_000] as const,
      score: 90,
      last: 550_000,
      capped: [],
    },
    {
      title: 'the rest scaled by the score',
      // 400 000 + 600 000 = 1 000 000 spent; 900 000 × 60 / 100 = 540 000; min(540 000, 1 000 000) = 540 000 ≤ 600 000.
      spent: [400_000, 600_000] as const,
      score: 60,
      last: 540_000,
      capped: [],
    },
    {
      title: 'the rest capped by what the activity fund has left, audited',
      // 1 000 000 spent; 900 000 × 90 / 100 = 810 000; min(810 000, 1 000 000) = 810 000 > 600 000 left: 600 000.
      spent: [400_000, 600_000] as const,
      score: 90,
      last: 600_000,
      capped: [['activityFunds', 'activityFunds', 810_000, 600_000, 1_800_000]],
    },
  ])('pays 30 % at signing, 40 % after the ledgers, and $title', async ({ spent, score, last, capped }) => {
    theRest ??= ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-thirty-forty-thirty', thirtyFortyThirty('deqing-thirty-forty-thirty', THE_REST));
    const scenario = await theRest;
    const ended = await contractOf(scenario, spent, score);
    const cycle = await eventually(
      () => scenario.detail(ended.id),
      (now) => now.payments.length === 3,
    );
    expect(cycle.contracts[0]).toMatchObject({ amountFen: 3_000_000, status: 'completed' });
    expect(cycle.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([
      ['workingFunds', 900_000],
      ['midTerm', 1_200_000],
      ['activityFunds', last],
    ]);
    // A capped tranche stands in the audit trail with what its amount gave, what was paid and the fund's share.
    const cappedEntries = cycle.audit.filter((entry) => entry.action === 'payment.capped');
    expect(cappedEntries.map((e) => [e.details['trancheId'], e.details['fund'], e.details['amountFen'], e.details['paidFen'], e.details['fundShareFen']])).toEqual(capped);
    // At most 900 000 + 1 200 000 + 600 000 = 2 700 000 ≤ 3 000 000.
    expect(incidentsOf(cycle)).toEqual([]);
  });

  it('fails the contract, paying nothing more, when the same last tranche without the history (and outside any fund) would overpay', async () => {
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-thirty-forty-all', thirtyFortyThirty('deqing-thirty-forty-all', WITHOUT_HISTORY, false));
    // Activity funds spent: 400 000 + 600 000 = 1 000 000 fen.
    const ended = await contractOf(scenario, [400_000, 600_000], 90);
    const cycle = await eventually(
      () => scenario.detail(ended.id),
      (now) => incidentsOf(now).length > 0,
    );
    expect(cycle.contracts[0]).toMatchObject({ amountFen: 3_000_000, status: 'failed' });
    // 900 000 and 1 200 000 as above; the last: min(3 000 000 × 90 / 100 = 2 700 000, 1 000 000) = 1 000 000,
    // and 2 100 000 + 1 000 000 = 3 100 000 > 3 000 000: not paid.
    expect(cycle.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([
      ['workingFunds', 900_000],
      ['midTerm', 1_200_000],
    ]);
    expect(incidentsOf(cycle).map((incident) => incident.replace(/^\S+ \S+ \S+: /, ''))).toEqual([
      'tranche "activityFunds" of 1000000 fen would bring payments to 3100000 fen, above the contract amount of 3000000 fen; nothing was paid',
    ]);
  });
});
