import { ExpressionScope, fromExpressionValue, ListOf, toExpressionValue } from '../../../src/definitions/expressions/expression-language.js';

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

describe('typed lists (closed periods)', () => {
  const periods = new ExpressionScope({
    payments: { paidFen: 'money' },
    periods: { ledger: new ListOf({ period: 'int', kpis: { casesClosed: 'int', onTime: 'bool' } }) },
  });
  const values = toExpressionValue({
    payments: { paidFen: 300 },
    periods: { ledger: [{ period: 1, kpis: { casesClosed: 12, onTime: true } }, { period: 2, kpis: { casesClosed: 7, onTime: false } }] },
  }) as Record<string, unknown>;

  it('types each item, its members and the comprehensions over it', () => {
    expect(periods.check('periods.ledger[1].kpis.casesClosed + payments.paidFen', 'int')).toEqual({ ok: true, type: 'int' });
    expect(periods.check('periods.ledger.all(p, p.kpis.onTime)', 'bool')).toEqual({ ok: true, type: 'bool' });
    expect(periods.check('size(periods.ledger)', 'int')).toEqual({ ok: true, type: 'int' });
    expect(periods.check('periods.ledger[0].kpis.casesOpen', 'int')).toMatchObject({ ok: false, message: expect.stringContaining('casesOpen') });
    expect(periods.check('periods.ledger[0].kpis.onTime + 1', 'int')).toMatchObject({ ok: false });
  });

  it('evaluates over plain JSON items: 7 + 300 = 307; not every period on time; two periods', () => {
    expect(periods.evaluate('periods.ledger[1].kpis.casesClosed + payments.paidFen', values)).toBe(307n);
    expect(periods.evaluate('periods.ledger.all(p, p.kpis.onTime)', values)).toBe(false);
    expect(periods.evaluate('periods.ledger.filter(p, p.period == 1)[0].kpis.casesClosed', values)).toBe(12n);
    expect(periods.evaluate('size(periods.ledger)', values)).toBe(2n);
  });

  it('fails, naming the index, on a period that has not closed', () => {
    expect(() => periods.evaluate('periods.ledger[2].kpis.casesClosed', values)).toThrow(/index out of bounds, index 2/);
  });
});
