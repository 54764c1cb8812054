import { ExpressionScope, fromExpressionValue, toExpressionValue } from '../../../src/definitions/expressions/expression-language.js';

const scope = new ExpressionScope({
  inputs: { supervisedPersons: 'int', pricePerPersonYearFen: 'money', county: 'string', urgent: 'bool' },
  contract: { funds: { activityFunds: 'money' } },
  evaluation: { score: 'int' },
  ledger: { totals: { activitySpendFen: 'money' } },
});

describe('the expression language (CEL)', () => {
  it('type-checks money arithmetic as whole numbers of fen', () => {
    expect(scope.check('inputs.supervisedPersons * inputs.pricePerPersonYearFen', 'int')).toEqual({ ok: true, type: 'int' });
    expect(scope.check('min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)', 'int')).toEqual({
      ok: true,
      type: 'int',
    });
  });

  it('locates an unknown field inside the expression', () => {
    const result = scope.check('inputs.supervisedPersons > 0 && inputs.persons > 1', 'bool');
    expect(result).toEqual({ ok: false, message: expect.stringContaining('persons'), offset: 39 });
  });

  it('refuses mixing text and numbers, and conditions that are not true/false', () => {
    expect(scope.check('inputs.county + inputs.supervisedPersons')).toMatchObject({ ok: false });
    expect(scope.check('inputs.supervisedPersons', 'bool')).toMatchObject({ ok: false, message: expect.stringContaining('true/false') });
  });

  it('keeps money exact: integer division truncates, no floating point', () => {
    const values = toExpressionValue({
      contract: { funds: { activityFunds: 33_333_333 } },
      evaluation: { score: 87 },
      ledger: { totals: { activitySpendFen: 40_000_000 } },
      inputs: { supervisedPersons: 120, pricePerPersonYearFen: 100_000, county: '德清县', urgent: false },
    }) as Record<string, unknown>;
    const amount = scope.evaluate('min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)', values);
    expect(amount).toBe(28_999_999n);
    expect(fromExpressionValue(amount)).toBe(28_999_999);
  });

  it('reports overflow instead of wrapping around', () => {
    const values = toExpressionValue({ inputs: { supervisedPersons: 9_000_000_000_000_000_000, pricePerPersonYearFen: 10 } });
    expect(() => scope.evaluate('inputs.supervisedPersons * inputs.pricePerPersonYearFen', values as Record<string, unknown>)).toThrow(/failed/);
  });
});
