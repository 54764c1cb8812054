import { compileDefinition } from '../../../../src/definitions/compiler.js';
import { fixedShareOf } from '../../../../src/definitions/expressions/expression-language.js';
import { edited, MINIMAL_PROCEDURE } from '../../../support/minimal-procedure.js';

/**
 * PF-TRANCHE-TOTAL: the tranches whose amounts are constants or fixed shares of the contract amount
 * may not add up to more than the contract; PF-TRANCHE-FUND: nor those of one fund to more than its
 * share (`contract.funds.<fund>`); PF-FINAL-TRANCHE: some tranche is paid after the term. The minimal procedure's two tranches get the amounts of
 * each case, and a third tranche (`finalPayment`, paid after the second) is added.
 */
function withAmounts(working: string, activity: string, final: string): string {
  return edited(MINIMAL_PROCEDURE, [
    ['amount: contract.funds.workingFunds }', `amount: ${working} }`],
    [
      '          amount: min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)\n',
      `          amount: "${activity}"\n        - { id: finalPayment, title: { zh: 尾款, en: Final payment }, fund: activityFunds, after: accept, amount: "${final}" }\n`,
    ],
    [
      '        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: paymentDone }',
      '        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: payFinal }\n        - { id: payFinal, type: payment, tranche: finalPayment, next: paymentDone }',
    ],
  ]);
}

function totalProblems(text: string): string[] {
  const result = compileDefinition(text, 'tranches.yaml');
  return result.ok ? [] : result.diagnostics.map((d) => `${d.ruleId} ${d.path}: ${d.message}`);
}

describe('PF-TRANCHE-TOTAL', () => {
  it('accepts shares of 30, 40 and 30 % (100 % in all), and rejects 30, 40 and 40 % (110 %) at the third', () => {
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', 'contract.amount * 40 / 100', 'contract.amount * 30 / 100'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', 'contract.amount * 40 / 100', 'contract.amount * 40 / 100'))).toEqual([
      'PF-TRANCHE-TOTAL steps[5].payment.tranches[2].amount: tranches "workingFunds" (30 % of the contract), "activityFunds" (40 % of the contract), "finalPayment" (40 % of the contract) add up to 110 % of the contract: they can pay more than the contract amount; lower their shares so that they sum to at most 100 %',
    ]);
  });

  it('rejects the whole contract plus a constant (half, half and 1 fen), and accepts half, half and nothing', () => {
    expect(totalProblems(withAmounts('contract.amount / 2', 'contract.amount / 2', '1'))).toEqual([
      expect.stringContaining('add up to 100 % of the contract + 1 fen'),
    ]);
    expect(totalProblems(withAmounts('contract.amount / 2', 'contract.amount / 2', '0'))).toEqual([]);
  });

  it('rejects shares written as "the contract less a share", which round up: 30 % and 70 % so written pay 1 000 002 fen of 1 000 001', () => {
    // a = 1 000 001: a - ⌊a × 70 / 100⌋ = 1 000 001 - 700 000 = 300 001; a - ⌊a × 30 / 100⌋ = 1 000 001 - 300 000 = 700 001.
    expect(totalProblems(withAmounts('contract.amount - contract.amount * 70 / 100', 'contract.amount - contract.amount * 30 / 100', '0'))).toEqual([
      expect.stringContaining('add up to 100 % of the contract + 2 fen'),
    ]);
  });

  it('leaves to run time the tranches that read more than the contract amount: what was paid, the evaluation', () => {
    // 30 % + 40 % are fixed; "the rest" reads the payments, so the compiler cannot bound it.
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', 'contract.amount * 40 / 100', 'contract.amount - payments.paidFen + 1'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.amount * 60 / 100', 'contract.amount * evaluation.score / 100', '0'))).toEqual([]);
  });

  it('reads fixed shares exactly, and nothing else as one', () => {
    expect(fixedShareOf('contract.amount * 30 / 100', 'contract.amount')).toEqual({ share: { num: 3n, den: 10n }, constant: 0n });
    expect(fixedShareOf('contract.amount / 100 * 30 + 500', 'contract.amount')).toEqual({ share: { num: 3n, den: 10n }, constant: 500n });
    // a - ⌊a / 4⌋ is at most ¾ a + ¾ fen (a = 1: 1 - 0 = 1), so the bound counts one fen for the subtracted quarter: -100 + 1.
    expect(fixedShareOf('contract.amount - contract.amount / 4 - 100', 'contract.amount')).toEqual({ share: { num: 3n, den: 4n }, constant: -99n });
    expect(fixedShareOf('contract.amount - contract.amount * 100 / 100', 'contract.amount')).toEqual({ share: { num: 0n, den: 1n }, constant: 0n });
    expect(fixedShareOf('contract.amount - (contract.amount / 2 - 5)', 'contract.amount')).toBeUndefined();
    expect(fixedShareOf('(contract.amount - 5) / 2', 'contract.amount')).toBeUndefined();
    expect(fixedShareOf('contract.amount / 0', 'contract.amount')).toBeUndefined();
    expect(fixedShareOf('contract.funds.workingFunds * 30 / 100', 'contract.amount')).toBeUndefined();
    expect(fixedShareOf('min(contract.amount, 5)', 'contract.amount')).toBeUndefined();
  });
});

describe('PF-EXPR on the money scope', () => {
  it('locates a misuse at its line and column', () => {
    const text = withAmounts('contract.amount * 30 / 100', 'payments.byTranche.advance', '0');
    const result = compileDefinition(text, 'tranches.yaml');
    const line = text.split('\n').findIndex((candidate) => candidate.includes('payments.byTranche.advance')) + 1;
    // `          amount: "` is 19 characters: the expression starts at column 20, and "advance" 19 characters into it, at 39.
    expect(result.ok ? [] : result.diagnostics.map((d) => [d.ruleId, d.line, d.column])).toEqual([['PF-EXPR', line, 39]]);
  });

  it('types payments and closed periods, and finds a misuse', () => {
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', 'payments.byTranche.workingFunds', 'contract.amount - payments.paidFen'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', 'payments.byTranche.advance', '0'))).toEqual([expect.stringMatching(/^PF-EXPR steps\[5\]\.payment\.tranches\[1\]\.amount: .*advance/)]);
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', '0', 'periods.ledger[0].kpis.spendWithinBudget ? 0 : 1'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', '0', 'periods.ledger[0].kpis.spendWithinBudget'))).toEqual([expect.stringMatching(/^PF-EXPR .*true\/false where a whole number/)]);
    expect(totalProblems(withAmounts('contract.amount * 30 / 100', '0', 'periods.ledger[0].kpis.nope'))).toEqual([expect.stringMatching(/^PF-EXPR .*nope/)]);
  });
});

describe('PF-TRANCHE-FUND', () => {
  // `activityFunds` and `finalPayment` both pay the activity fund; `workingFunds` the working fund.
  it('accepts 60 % and 40 % of the activity fund, and rejects 60 % and 50 % (110 %) at the second', () => {
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds * 60 / 100', 'contract.funds.activityFunds * 40 / 100'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds * 60 / 100', 'contract.funds.activityFunds / 2'))).toEqual([
      'PF-TRANCHE-FUND steps[5].payment.tranches[2].amount: tranches "activityFunds" (60 % of fund "activityFunds"), "finalPayment" (50 % of fund "activityFunds") add up to 110 % of fund "activityFunds": they can pay more than the fund\'s share of the contract (contract.funds.activityFunds); lower their shares so that they sum to at most 100 %',
    ]);
  });

  it('rejects the whole fund plus a constant, and counts each fund on its own', () => {
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds', '1'))).toEqual([expect.stringContaining('add up to 100 % of fund "activityFunds" + 1 fen')]);
    // The whole working fund and the whole activity fund: each 100 % of its own.
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds', '0'))).toEqual([]);
  });

  it('leaves to run time the amounts that are not shares of their fund: of the contract, of another fund, reading the evaluation', () => {
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds', 'contract.amount * 10 / 100'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds', 'contract.funds.workingFunds / 10'))).toEqual([]);
    expect(totalProblems(withAmounts('contract.funds.workingFunds', 'contract.funds.activityFunds', 'contract.funds.activityFunds * evaluation.score / 100'))).toEqual([]);
  });

  it('reads a fixed share of a member deeper than `contract.amount`', () => {
    expect(fixedShareOf('contract.funds.activityFunds * 40 / 100 + 5', 'contract.funds.activityFunds')).toEqual({ share: { num: 2n, den: 5n }, constant: 5n });
    expect(fixedShareOf('contract.funds.workingFunds * 40 / 100', 'contract.funds.activityFunds')).toBeUndefined();
    expect(fixedShareOf('funds.activityFunds', 'contract.funds.activityFunds')).toBeUndefined();
  });
});

describe('PF-FINAL-TRANCHE', () => {
  const PERFORMANCE_END = '        - { id: accept, type: acceptance, title: { zh: 验收, en: Acceptance }, role: justice-bureau, next: performanceDone, onFail: performanceFailed }\n';
  const PAYMENT_FLOW = '      start: payActivityFunds\n      nodes:\n        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: paymentDone }\n';

  it('accepts the last tranche paid in the performance step after its ledger periods that run to the end of the term, with nothing paid in the payment step', () => {
    const text = edited(MINIMAL_PROCEDURE, [
      [PERFORMANCE_END, `${PERFORMANCE_END.replace('next: performanceDone', 'next: payActivityFunds')}        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: performanceDone }\n`],
      [PAYMENT_FLOW, '      start: paymentDone\n      nodes:\n'],
    ]);
    expect(totalProblems(text)).toEqual([]);
  });

  it('rejects the same when the ledger periods before the payment end mid-term (`through`) and a second node runs to the term after it', () => {
    const text = edited(MINIMAL_PROCEDURE, [
      ['        - { id: periods, type: ledgerPeriods, title: { zh: 月度台账, en: Monthly ledgers }, next: evaluate }\n', '        - { id: periods, type: ledgerPeriods, title: { zh: 月度台账, en: Monthly ledgers }, through: "6", next: evaluate }\n'],
      [
        PERFORMANCE_END,
        `${PERFORMANCE_END.replace('next: performanceDone', 'next: payActivityFunds')}        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: laterPeriods }\n        - { id: laterPeriods, type: ledgerPeriods, title: { zh: 后六个月, en: Last six months }, next: performanceDone }\n`,
      ],
      [PAYMENT_FLOW, '      start: paymentDone\n      nodes:\n'],
    ]);
    expect(totalProblems(text)).toEqual([
      'PF-FINAL-TRANCHE steps[5].flow.nodes[0].id: the contract can end at "paymentDone" without a tranche paid after its term has ended: pay one on every way to this end, or in step "performanceManagement" after its ledger periods "laterPeriods" that run to the end of the term',
    ]);
  });
});
