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
 *   - `workingFunds`  30 % of the contract when the agreement is signed,
 *   - `midTerm`       40 % once the monthly ledgers are confirmed,
 *   - `activityFunds` the rest of the contract — what the first two did not pay — scaled by the
 *                     evaluation score and never more than the activity funds actually spent.
 * A second version writes the last tranche without the history (the whole contract scaled by the
 * score, capped by spend): it would overpay, and the contract fails paying nothing more.
 */

const TEMPLATE = 'deqing-community-correction';
const TEMPLATE_TEXT = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', `${TEMPLATE}.yaml`), 'utf8');
const JURISDICTION = /jurisdiction:\s*\{\s*code:\s*([a-z0-9-]+)/.exec(TEMPLATE_TEXT)?.[1] ?? '';
const THE_REST = 'min((contract.amount - payments.paidFen) * evaluation.score / 100, ledger.totals.activityFundsSpent)';
const WITHOUT_HISTORY = 'min(contract.amount * evaluation.score / 100, ledger.totals.activityFundsSpent)';

/** The template as a 30 / 40 / 30 contract under `key`, its last tranche's amount `last`. */
function thirtyFortyThirty(key: string, last: string): string {
  return edited(TEMPLATE_TEXT, [
    [`  key: ${TEMPLATE}\n`, `  key: ${key}\n`],
    ['          amount: contract.funds.workingFunds\n', '          amount: contract.amount * 30 / 100\n'],
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
  let stack: ScenarioStack;

  beforeAll(async () => {
    stack = await ScenarioStack.start('scenario_tranche_history');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * One cycle of `scenario`: three vendors bid 3 000 000 fen, the first wins at that price, two months
   * of 100 persons, the vendor reports `spent` fen of activity funds in each month, every evaluation
   * indicator scores 90 (the score is 90 whatever the weights). Driven until the contract has ended.
   */
  async function contractOf(scenario: ProcedureScenario, spent: readonly [number, number]): Promise<CycleDetail> {
    const { definition } = scenario;
    const vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社'].map((name) => `${name}${scenario.key.slice(-4)}`), 'civil-affairs');
    const winner = vendorIds[0]!;
    // Two months of 100 persons at 360 000 fen a year: 100 × 360 000 × 2 / 12 = 6 000 000 fen of budget.
    const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 2 });
    const drive = new CycleDrive(scenario, cycleId, planner, {
      bidders: vendorIds,
      winner,
      priceFen: 3_000_000,
      forms: { draftBudget: { supervisedPersons: 100 } },
      ledger: (period) => ({ activityFundsSpent: spent[period - 1]! }),
    });
    const { cycle } = await drive.until((now) => ['completed', 'failed', 'terminated'].includes(now.contracts[0]?.status ?? ''), { skip: true });
    return cycle;
  }

  /** The 30 / 40 / 30 procedure, deployed by the first case and launched again by the second. */
  let theRest: ProcedureScenario | undefined;

  it('pays 30 % at signing, 40 % after the ledgers, and the rest scaled by the score and capped by spend', async () => {
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-thirty-forty-thirty', thirtyFortyThirty('deqing-thirty-forty-thirty', THE_REST));
    theRest = scenario;
    // Activity funds spent: 300 000 + 350 000 = 650 000 fen.
    const ended = await contractOf(scenario, [300_000, 350_000]);
    const cycle = await eventually(
      () => scenario.detail(ended.id),
      (now) => now.payments.length === 3,
    );
    expect(cycle.contracts[0]).toMatchObject({ amountFen: 3_000_000, status: 'completed' });
    expect(cycle.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([
      // 3 000 000 × 30 / 100 = 900 000
      ['workingFunds', 900_000],
      // 3 000 000 × 40 / 100 = 1 200 000
      ['midTerm', 1_200_000],
      // paid so far 900 000 + 1 200 000 = 2 100 000; the rest 3 000 000 − 2 100 000 = 900 000;
      // scaled by the score: 900 000 × 90 / 100 = 810 000; capped by spend: min(810 000, 650 000) = 650 000
      ['activityFunds', 650_000],
    ]);
    // 900 000 + 1 200 000 + 650 000 = 2 750 000 ≤ 3 000 000
    expect(incidentsOf(cycle)).toEqual([]);
  });

  it('pays the rest scaled by the score when the vendor spent more than that', async () => {
    const scenario = theRest ?? (await ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-thirty-forty-thirty', thirtyFortyThirty('deqing-thirty-forty-thirty', THE_REST)));
    // Activity funds spent: 400 000 + 600 000 = 1 000 000 fen.
    const ended = await contractOf(scenario, [400_000, 600_000]);
    const cycle = await eventually(
      () => scenario.detail(ended.id),
      (now) => now.payments.length === 3,
    );
    expect(cycle.contracts[0]).toMatchObject({ amountFen: 3_000_000, status: 'completed' });
    expect(cycle.payments.map((p) => [p.trancheId, p.amountFen])).toEqual([
      ['workingFunds', 900_000],
      ['midTerm', 1_200_000],
      // the rest 3 000 000 − (900 000 + 1 200 000) = 900 000; × 90 / 100 = 810 000; min(810 000, 1 000 000) = 810 000
      ['activityFunds', 810_000],
    ]);
    // 900 000 + 1 200 000 + 810 000 = 2 910 000 ≤ 3 000 000
    expect(incidentsOf(cycle)).toEqual([]);
  });

  it('fails the contract, paying nothing more, when the same last tranche without the history would overpay', async () => {
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, 'deqing-thirty-forty-all', thirtyFortyThirty('deqing-thirty-forty-all', WITHOUT_HISTORY));
    // Activity funds spent: 400 000 + 600 000 = 1 000 000 fen.
    const ended = await contractOf(scenario, [400_000, 600_000]);
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
