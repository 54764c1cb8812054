import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { decide } from '../../../workflows/engine/interpreter.js';
import { caseEvidenceQuery } from '../../../workflows/engine/nodes/ledger-periods.js';
import type { EngineContext, EngineEvent, FormValues, Outcome, TaskInstance, TaskPayload } from '../../../workflows/engine/types.js';
import { CN_2026, compiledProcedure, edited as editedText, MINIMAL_PROCEDURE } from '../../support/minimal-procedure.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * Issue 8's proof of "every key has an effect": for each key whose row in definitions/README.md
 * ("Every key and what it does") names this file, the same definition with and without the key (or
 * with two of its values) is driven through the interpreter, and the two runs differ where a user
 * sees it: a refusal against an acceptance, another open task, another total or due date. Every case
 * starts from the minimal test procedure and changes only the lines the key stands on.
 */

const JURISDICTION = 'test-county';

/** The minimal procedure with each `[from, to]` replaced once, compiled. */
function edited(edits: ReadonlyArray<readonly [string, string]>): ProcedureDefinition {
  return compiledProcedure(editedText(MINIMAL_PROCEDURE, edits), 'minimal-procedure.yaml');
}

function contextOf(definition: ProcedureDefinition): EngineContext {
  return { definition, calendars: [CN_2026], jurisdiction: JURISDICTION };
}

/** A cycle launched with 50 supervised persons (budget 50 × 100 000 fen = 5 000 000 fen). */
function launched(definition: ProcedureDefinition): ProcedureDriver {
  return new ProcedureDriver(contextOf(definition)).start({ scope: 'cycle', inputs: { supervisedPersons: 50 } });
}

function decision(driver: ProcedureDriver, task: TaskInstance, outcome: Outcome, extra: { fields?: FormValues; comment?: string; payload?: TaskPayload } = {}): EngineEvent {
  return { type: 'taskDecided', at: driver.now, taskId: task.id, outcome, actor: actorFor(task.role, JURISDICTION, true), fields: extra.fields ?? {}, ...(extra.comment ? { comment: extra.comment } : {}), ...(extra.payload ? { payload: extra.payload } : {}) };
}

/** What a user sees of one attempt: refused naming a field, or accepted. */
function verdict(result: ReturnType<ProcedureDriver['attempt']>): string {
  return result.ok ? 'accepted' : `refused: ${result.field ?? '(no field)'}`;
}

/* ------------------------------------------------------------------------------------------------
 * Field bounds: a field `staffed` (or `note`) is added to the budget draft, with or without the key,
 * and the same value is submitted to both.
 * ---------------------------------------------------------------------------------------------- */

const JUSTIFICATION = '            - { id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1 }\n';

function withField(declaration: string): ProcedureDefinition {
  return edited([[JUSTIFICATION, `${JUSTIFICATION}            - { id: extra, title: { zh: 附加, en: Extra }, ${declaration} }\n`]]);
}

/** Submits the budget draft with `extra` set to `value` (left out when undefined). */
function submitDraft(definition: ProcedureDefinition, value: string | number | undefined): { verdict: string; recorded?: FormValues } {
  const driver = launched(definition);
  const draft = driver.advanceTo('draftBudget');
  const fields: FormValues = { justification: '按人均标准 per capita', ...(value === undefined ? {} : { extra: value }) };
  const result = driver.attempt(decision(driver, draft, 'submit', { fields }));
  return { verdict: verdict(result), ...(result.ok ? { recorded: result.state.values.forms['draftBudget'] } : {}) };
}

describe('field keys: the same submission is refused with the key and accepted without it', () => {
  it.each([
    // key, with, without, the value submitted to both
    ['min', 'type: int, min: 2', 'type: int', 1],
    ['max', 'type: int, max: 5', 'type: int', 6],
    ['minLength', 'type: string, minLength: 3', 'type: string', '两字'],
    ['maxLength', 'type: string, maxLength: 3', 'type: string', '四个汉字'],
    ['oneOf', 'type: string, oneOf: [甲, 乙]', 'type: string', '丙'],
    ['required (false)', 'type: int', 'type: int, required: false', undefined],
  ] as const)('%s', (_key, withKey, withoutKey, value) => {
    expect(submitDraft(withField(withKey), value).verdict).toBe('refused: fields.extra');
    expect(submitDraft(withField(withoutKey), value).verdict).toBe('accepted');
  });

  it('default: a left-out value is taken from it, where without it the field is required', () => {
    expect(submitDraft(withField('type: int, default: 7'), undefined)).toEqual({ verdict: 'accepted', recorded: { justification: '按人均标准 per capita', extra: 7 } });
    expect(submitDraft(withField('type: int'), undefined).verdict).toBe('refused: fields.extra');
  });
});

/* ------------------------------------------------------------------------------------------------
 * Decisions and flow nodes of the budgeting step.
 * ---------------------------------------------------------------------------------------------- */

describe('decisions[].commentRequired', () => {
  const APPROVE = '            - { outcome: approve, next: budgetDone }\n';
  const approveWithoutComment = (definition: ProcedureDefinition) => {
    const driver = launched(definition);
    const review = driver.advanceTo('reviewBudget');
    return verdict(driver.attempt(decision(driver, review, 'approve')));
  };

  it('refuses an approval without a comment only when the approval requires one', () => {
    expect(approveWithoutComment(edited([[APPROVE, '            - { outcome: approve, next: budgetDone, commentRequired: true }\n']]))).toBe('refused: comment');
    expect(approveWithoutComment(edited([]))).toBe('accepted');
  });
});

describe('parallel onReturn and onReject', () => {
  const REVIEW = [
    '        - id: reviewBudget',
    '          type: task',
    '          title: { zh: 预算审核, en: Review the budget }',
    '          role: finance-bureau',
    '          notDecidedBySameActorAs: [draftBudget]',
    '          sla: { within: { businessDays: 5 }, escalateTo: justice-bureau }',
    '          decisions:',
    '            - { outcome: approve, next: budgetDone }',
    '            - { outcome: return, next: draftBudget }',
    '            - { outcome: reject, next: budgetRejected }',
    '',
  ].join('\n');
  /** The review as a parallel sign-off of finance and the judicial office, leading back with `exits`. */
  const parallel = (exits: string): ProcedureDefinition =>
    edited([
      [
        REVIEW,
        [
          '        - id: reviewBudget',
          '          type: parallel',
          '          title: { zh: 预算会签, en: Budget sign-off }',
          '          tasks:',
          '            - id: financeReview',
          '              type: task',
          '              title: { zh: 财政审核, en: Finance review }',
          '              role: finance-bureau',
          '              decisions:',
          '                - { outcome: approve, next: reviewBudget }',
          '                - { outcome: return, next: reviewBudget, commentRequired: true }',
          '                - { outcome: reject, next: reviewBudget, commentRequired: true }',
          '            - id: officeReview',
          '              type: task',
          '              title: { zh: 司法所审核, en: Office review }',
          '              role: judicial-office',
          '              decisions:',
          '                - { outcome: approve, next: reviewBudget }',
          '          next: budgetDone',
          exits,
          // Keeps the rejection's end reachable when the sign-off has no way there; 50 persons always pass it.
          '        - { id: gate, type: branch, cases: [{ when: inputs.supervisedPersons > 0, next: reviewBudget }], otherwise: budgetRejected }',
          '',
        ].join('\n'),
      ],
      ['            - { outcome: submit, next: reviewBudget }\n', '            - { outcome: submit, next: gate }\n'],
    ]);

  /** Finance decides `outcome`; what is open afterwards, or the refusal. */
  const afterFinance = (definition: ProcedureDefinition, outcome: 'return' | 'reject') => {
    const driver = launched(definition);
    const review = driver.advanceTo('financeReview');
    const result = driver.attempt(decision(driver, review, outcome, { comment: '测算依据不足 the estimate lacks grounds' }));
    if (!result.ok) return verdict(result);
    return `${driver.state.status}; open: ${driver.openTasks().map((t) => t.nodeId).join(', ') || 'none'}`;
  };

  it('onReturn: a return leads back to the draft (the other sign-off withdrawn); without it the return is refused', () => {
    expect(afterFinance(parallel('          onReturn: draftBudget\n          onReject: budgetRejected'), 'return')).toBe('running; open: draftBudget');
    expect(afterFinance(parallel('          onReject: budgetRejected'), 'return')).toBe('refused: outcome');
  });

  it('onReject: a rejection ends the cycle as terminated; without it the rejection is refused', () => {
    expect(afterFinance(parallel('          onReturn: draftBudget\n          onReject: budgetRejected'), 'reject')).toBe('terminated; open: none');
    expect(afterFinance(parallel('          onReturn: draftBudget'), 'reject')).toBe('refused: outcome');
  });
});

describe('branch cases', () => {
  /** A branch between the draft and the review: a large cycle is reviewed, a small one goes straight on. */
  const branching = (when: string): ProcedureDefinition =>
    edited([
      ['            - { outcome: submit, next: reviewBudget }\n', '            - { outcome: submit, next: bySize }\n'],
      ['        - { id: budgetDone, type: end, outcome: completed }\n', `        - { id: bySize, type: branch, cases: [{ when: "${when}", next: reviewBudget }], otherwise: budgetDone }\n        - { id: budgetDone, type: end, outcome: completed }\n`],
    ]);
  const afterDraft = (definition: ProcedureDefinition) => {
    const driver = launched(definition);
    driver.decideHappily(driver.advanceTo('draftBudget'));
    return { step: driver.definition.steps[driver.state.stepIndex]?.id, open: driver.openTasks().map((t) => t.nodeId) };
  };

  it('takes the case whose condition holds (50 > 10), and otherwise where none does (50 > 100 fails)', () => {
    expect(afterDraft(branching('inputs.supervisedPersons > 10'))).toEqual({ step: 'budgeting', open: ['reviewBudget'] });
    // Without the review the budgeting step completes and the notice step's comment period waits: no task.
    expect(afterDraft(branching('inputs.supervisedPersons > 100'))).toEqual({ step: 'publicNotice', open: [] });
  });
});

/* ------------------------------------------------------------------------------------------------
 * The award: two qualified bids (1 000 000 and 2 000 000 fen), each scored 90 on both criteria,
 * i.e. (40 × 90 + 60 × 90) / 100 = 90.
 * ---------------------------------------------------------------------------------------------- */

describe('selection.evaluation.passScore and selection.awards', () => {
  const AWARDS = '      awards: { minWinners: 1, maxWinners: 2 }\n';
  const EVALUATION = "          - { id: plan, title: { zh: 服务方案, en: Service plan }, weight: 60 }\n";
  const award = (definition: ProcedureDefinition, winners: number) => {
    const driver = launched(definition);
    const task = driver.advanceTo('award');
    const bids = driver.state.bids.filter((bid) => bid.qualified);
    const payload: TaskPayload = {
      kind: 'award',
      scores: Object.fromEntries(bids.map((bid) => [bid.bidId, { price: 90, plan: 90 }])),
      winners: bids.slice(0, winners).map((bid) => ({ bidId: bid.bidId, amountFen: bid.priceFen })),
    };
    return verdict(driver.attempt(decision(driver, task, 'approve', { payload })));
  };

  it('passScore: a winner scoring 90 is refused under a pass score of 95, and awarded without one', () => {
    expect(award(edited([[EVALUATION, `${EVALUATION}        passScore: 95\n`]]), 1)).toBe('refused: award.winners.0.bidId');
    expect(award(edited([]), 1)).toBe('accepted');
  });

  it('minWinners: one winner is refused when two are the minimum, accepted when one is', () => {
    expect(award(edited([[AWARDS, '      awards: { minWinners: 2, maxWinners: 2 }\n']]), 1)).toBe('refused: award.winners');
    expect(award(edited([]), 1)).toBe('accepted');
  });

  it('maxWinners: two winners are refused when one is the most, accepted when two are', () => {
    expect(award(edited([[AWARDS, '      awards: { minWinners: 1, maxWinners: 1 }\n']]), 2)).toBe('refused: award.winners');
    expect(award(edited([]), 2)).toBe('accepted');
  });
});

/* ------------------------------------------------------------------------------------------------
 * The ledger of the first awarded contract, its periods starting on 2026-04-01 (China time).
 * ---------------------------------------------------------------------------------------------- */

const CONTRACT_STARTS = '2026-04-01T01:00:00.000Z';

/** The first contract of a happy cycle, started at CONTRACT_STARTS and driven to its first ledger. */
function firstLedger(definition: ProcedureDefinition, context: Partial<EngineContext> = {}): { driver: ProcedureDriver; task: TaskInstance } {
  const cycle = launched(definition).runToEnd({ bidders: 2 });
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
  const driver = new ProcedureDriver({ ...contextOf(definition), ...context }, CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
  return { driver, task: driver.advanceTo('periods') };
}

describe('performance.ledger', () => {
  const LEDGER = '        period: monthly\n        periods: "12"\n        dueDay: 25\n';
  const ledger = (period: string, dueDay: number, periods = 12) => edited([[LEDGER, `        period: ${period}\n        periods: "${periods}"\n        dueDay: ${dueDay}\n`]]);

  it('dueDay: the first monthly ledger is due at the end of 25 April, or of 10 April', () => {
    // The last millisecond of the China day: 2026-04-25T23:59:59.999+08:00 = 2026-04-25T15:59:59.999Z.
    expect(firstLedger(ledger('monthly', 25)).task.dueAt).toBe('2026-04-25T15:59:59.999Z');
    expect(firstLedger(ledger('monthly', 10)).task.dueAt).toBe('2026-04-10T15:59:59.999Z');
  });

  it('period: a quarterly ledger begun in April is due in June, the quarter’s last month', () => {
    expect(firstLedger(ledger('quarterly', 25)).task.dueAt).toBe('2026-06-25T15:59:59.999Z');
    expect(firstLedger(ledger('monthly', 25)).task.dueAt).toBe('2026-04-25T15:59:59.999Z');
  });

  it('period as a span: PT12H periods from 1 April 09:00 China time are due as each ends, the second opens at 21:00 and the term ends 24 hours after the start', () => {
    const { driver, task } = firstLedger(ledger('PT12H', 25, 2));
    // 2026-04-01T01:00Z + 12 h = 13:00Z, less a millisecond.
    expect(task.dueAt).toBe('2026-04-01T12:59:59.999Z');
    driver.decideHappily(task);
    driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    const second = driver.advanceTo('periods');
    expect([second.openedAt, second.dueAt]).toEqual(['2026-04-01T13:00:00.000Z', '2026-04-02T00:59:59.999Z']);
    expect(driver.state.termEndsAt).toBe('2026-04-02T01:00:00.000Z');
    expect(firstLedger(ledger('monthly', 25, 2)).driver.state.termEndsAt).toBe('2026-05-31T16:00:00.000Z');
  });

  it('aggregate: two confirmed periods of 300 and 500 fen total 800 (sum), 500 (max) or 300 (min)', () => {
    const totalOfTwo = (aggregate: string) => {
      const line = '          - { id: activitySpendFen, title: { zh: 活动经费支出, en: Activity spend }, type: money, min: 0 }\n';
      const definition = edited([
        [LEDGER, '        period: monthly\n        periods: "2"\n        dueDay: 25\n'],
        [line, aggregate ? line.replace('min: 0 }', `min: 0, aggregate: ${aggregate} }`) : line],
      ]);
      const { driver, task } = firstLedger(definition);
      for (const [spent, submission] of [[300, task], [500, undefined]] as const) {
        const submit = submission ?? driver.advanceTo('periods');
        driver.apply(decision(driver, submit, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: spent } } }));
        const confirm = driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
        if (!confirm) throw new Error('no confirmation opened');
        driver.apply(decision(driver, confirm, 'approve'));
      }
      return driver.state.values.ledger?.totals['activitySpendFen'];
    };
    expect(totalOfTwo('')).toBe(800);
    expect(totalOfTwo('max')).toBe(500);
    expect(totalOfTwo('min')).toBe(300);
  });
});

describe('performance.evaluation.passScore', () => {
  it('an evaluation scoring 90 passes under 60 and fails under 95', () => {
    const evaluated = (passScore: number) => {
      const definition = edited([['        passScore: 60\n', `        passScore: ${passScore}\n`]]);
      const { driver } = firstLedger(definition);
      const evaluation = driver.advanceTo('evaluate');
      // Scores of 90 on both indicators: (70 × 90 + 30 × 90) / 100 = 90.
      driver.apply(decision(driver, evaluation, 'approve', { payload: { kind: 'evaluation', scores: { service: 90, finance: 90 } } }));
      return driver.state.values.evaluation;
    };
    expect(evaluated(60)).toMatchObject({ score: 90, passed: true });
    expect(evaluated(95)).toMatchObject({ score: 90, passed: false });
  });
});

/* ------------------------------------------------------------------------------------------------
 * A computed indicator (`indicators[].score`): the finance indicator scored from a KPI, the share of
 * the activity funds spent, over two monthly ledgers; the evaluator gives the service score alone.
 * ---------------------------------------------------------------------------------------------- */

describe('performance.evaluation.indicators[].score', () => {
  const FINANCE = '          - { id: finance, title: { zh: 财务指标, en: Finance }, group: financial, weight: 30 }\n';
  const KPIS = '      kpis:\n';
  /** Two periods with `spent` activity funds in each; the finance indicator computed from `score` when given. */
  const evaluationOpen = (spent: readonly [number, number], score?: string) => {
    const definition = edited([
      ['        periods: "12"\n', '        periods: "2"\n'],
      [KPIS, `${KPIS}        - { id: spendPct, title: { zh: 活动经费使用率, en: Share of activity funds spent }, type: int, expr: ledger.totals.activitySpendFen * 100 / contract.funds.activityFunds }\n`],
      ...(score === undefined ? [] : [[FINANCE, FINANCE.replace(' }\n', `, score: "${score}" }\n`)] as const]),
    ]);
    const { driver, task } = firstLedger(definition);
    for (const [index, fen] of spent.entries()) {
      const submit = index === 0 ? task : driver.advanceTo('periods');
      driver.apply(decision(driver, submit, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: fen } } }));
      const confirm = driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
      if (!confirm) throw new Error('no confirmation opened');
      driver.apply(decision(driver, confirm, 'approve'));
    }
    return { driver, task: driver.advanceTo('evaluate') };
  };
  const evaluate = (driver: ProcedureDriver, task: TaskInstance, scores: Record<string, number>) => driver.attempt(decision(driver, task, 'approve', { payload: { kind: 'evaluation', scores } }));

  it('with the key the finance score is the KPI (300 000 of 500 000 fen spent: 60) and the evaluator may not give it; without it the evaluator must', () => {
    // The contract is the lowest bid, 1 000 000 fen of a 5 000 000 fen budget split in halves: activity funds ⌊2 500 000 × 1 000 000 / 5 000 000⌋ = 500 000.
    const computed = evaluationOpen([100_000, 200_000], 'kpis.spendPct');
    expect(computed.driver.state.values.kpis).toEqual({ spendWithinBudget: true, spendPct: 60 });
    expect(computed.task.computedIndicators).toEqual(['finance']);
    expect(verdict(evaluate(computed.driver, computed.task, { service: 90, finance: 90 }))).toBe('refused: evaluation.scores.finance');
    const decided = evaluate(computed.driver, computed.task, { service: 90 });
    if (!decided.ok) throw new Error(decided.message);
    // (70 × 90 + 30 × 60) / 100 = 81; business 90, financial 60.
    expect(decided.state.values.evaluation).toEqual({ score: 81, passed: true, business: 90, financial: 60 });
    // The decision records the computed score beside the whole and the groups.
    expect(decided.commands.find((c) => c.type === 'taskClosed')).toMatchObject({ fields: { score: 81, business: 90, financial: 60, 'scores.finance': 60 } });

    const typed = evaluationOpen([100_000, 200_000]);
    expect(typed.task.computedIndicators).toBeUndefined();
    expect(verdict(evaluate(typed.driver, typed.task, { service: 90 }))).toBe('refused: evaluation.scores.finance');
    const given = evaluate(typed.driver, typed.task, { service: 90, finance: 90 });
    expect(given.ok && given.state.values.evaluation).toEqual({ score: 90, passed: true, business: 90, financial: 90 });
  });

  it('a computed score above 100 is held to 100 (800 000 of 500 000 fen: 160), and one that cannot be computed refuses the evaluation naming the indicator', () => {
    const over = evaluationOpen([300_000, 500_000], 'kpis.spendPct');
    const decided = evaluate(over.driver, over.task, { service: 90 });
    // (70 × 90 + 30 × 100) / 100 = 93.
    expect(decided.ok && decided.state.values.evaluation).toEqual({ score: 93, passed: true, business: 90, financial: 100 });
    // Two periods: ledger.periods - 2 is 0.
    const broken = evaluationOpen([100_000, 200_000], 'kpis.spendPct / (ledger.periods - 2)');
    expect(evaluate(broken.driver, broken.task, { service: 90 })).toMatchObject({
      ok: false,
      code: 'invalid',
      message: expect.stringMatching(/^cannot go on: the score of indicator "财务指标" \(finance\) cannot be computed: .*zero/i),
    });
    expect(broken.driver.openTasks().map((t) => t.id)).toEqual([broken.task.id]);
  });
});

describe('performance.acceptance.recipientOpinionsRequired', () => {
  it('refuses an acceptance without the recipients’ opinions only when they are required', () => {
    const acceptWithoutOpinions = (required: boolean) => {
      const definition = edited([['      acceptance: { recipientOpinionsRequired: true, published: false }\n', `      acceptance: { recipientOpinionsRequired: ${String(required)}, published: false }\n`]]);
      const { driver } = firstLedger(definition);
      const acceptance = driver.advanceTo('accept');
      return verdict(driver.attempt(decision(driver, acceptance, 'approve', { payload: { kind: 'acceptance', passed: true, recipientOpinions: [] } })));
    };
    expect(acceptWithoutOpinions(true)).toMatch(/^refused: /);
    expect(acceptWithoutOpinions(false)).toBe('accepted');
  });
});

describe('timer duration', () => {
  it('waits the comment period it states: P10D from 2 March ends with 12 March, P20D with 22 March', () => {
    const commentPeriodEnds = (duration: string) => {
      const definition = edited([['duration: P10D, next: noticeDone', `duration: ${duration}, next: noticeDone`]]);
      const driver = launched(definition);
      driver.decideHappily(driver.advanceTo('reviewBudget'));
      const timer = driver.commands.find((c) => c.type === 'startTimer' && c.timerId.startsWith('wait:commentPeriod'));
      return timer?.type === 'startTimer' ? timer.until : undefined;
    };
    // Launched at 2026-03-02T01:00Z (09:00 China time) and the budget decided at once: calendar days end
    // with the China day, 2 March + 10 days = the end of 12 March, 23:59:59.999+08:00 = 15:59:59.999Z.
    expect(commentPeriodEnds('P10D')).toBe('2026-03-12T15:59:59.999Z');
    expect(commentPeriodEnds('P20D')).toBe('2026-03-22T15:59:59.999Z');
  });
});

describe('bidding window', () => {
  it('keeps a round open for the window it states: P20D or P30D from the end of the 10-day comment period', () => {
    const closes = (window: string) => {
      const definition = edited([['window: P20D, next: award', `window: ${window}, next: award`]]);
      const driver = launched(definition);
      while (!driver.state.biddingOpen) {
        const open = driver.openTasks()[0];
        if (open) driver.decideHappily(open);
        else if (!driver.fireNextTimer()) throw new Error('bidding never opened');
      }
      const timer = driver.commands.find((c) => c.type === 'startTimer' && c.purpose === 'bidding');
      return timer?.type === 'startTimer' ? timer.until : undefined;
    };
    // The comment period ends with 12 March (see "timer duration"), so bidding opens then, at 2026-03-12T15:59:59.999Z:
    // 20 days later is the end of 1 April China time, 30 days the end of 11 April.
    expect(closes('P20D')).toBe('2026-04-01T15:59:59.999Z');
    expect(closes('P30D')).toBe('2026-04-11T15:59:59.999Z');
  });
});

describe('performance.ledger.periods', () => {
  it('opens the evaluation after the second confirmed ledger when there are 2 periods, and a third ledger when there are 12', () => {
    const afterTwoPeriods = (periods: number) => {
      const definition = edited([['        periods: "12"\n', `        periods: "${periods}"\n`]]);
      const { driver } = firstLedger(definition);
      for (let period = 1; period <= 2; period++) {
        driver.decideHappily(driver.advanceTo('periods'));
        const confirm = driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
        if (!confirm) throw new Error('no confirmation opened');
        driver.decideHappily(confirm);
      }
      // The third monthly period begins on 1 June: let its timer fire if one is pending.
      driver.fireNextTimer();
      return driver.openTasks().map((t) => `${t.kind}${t.period === undefined ? '' : ` ${t.period}`}`);
    };
    expect(afterTwoPeriods(2)).toEqual(['evaluation']);
    expect(afterTwoPeriods(12)).toEqual(['ledgerSubmission 3']);
  });
});

/* ------------------------------------------------------------------------------------------------
 * Money expressions that read the contract's history (`payments`, `periods`): the same contract,
 * two monthly ledgers of 300 000 and 500 000 fen, an evaluation of 90, and the activity tranche's
 * amount written with and without what it reads.
 * ---------------------------------------------------------------------------------------------- */

const WORKING_TRANCHE = 'amount: contract.funds.workingFunds }';
const ACTIVITY_AMOUNT = '          amount: min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)\n';

/** Drives a contract whose working funds are 30 % of it and whose activity funds are `activity`, to its end. */
function paidWith(
  activity: string,
  context: Partial<EngineContext> = {},
): { status: string; payments: Array<[string, number]>; incidents: string[]; periods: unknown; contractFen: number; capped: Array<[string, number, number]> } {
  const definition = edited([
    ['        periods: "12"\n', '        periods: "2"\n'],
    // The budget split 30 / 70, so that each fund's share of the 1 000 000 fen contract holds its tranche:
    // working ⌊1 500 000 × 1 000 000 / 5 000 000⌋ = 300 000, activity ⌊3 500 000 × 1 000 000 / 5 000 000⌋ = 700 000.
    ['amount: derived.budgetTotal / 2 }', 'amount: derived.budgetTotal * 30 / 100 }'],
    ['amount: derived.budgetTotal - derived.budgetTotal / 2 }', 'amount: derived.budgetTotal - derived.budgetTotal * 30 / 100 }'],
    [WORKING_TRANCHE, 'amount: contract.amount * 30 / 100 }'],
    [ACTIVITY_AMOUNT, `          amount: "${activity}"\n`],
  ]);
  const { driver, task } = firstLedger(definition, context);
  for (const [spent, submission] of [[300_000, task], [500_000, undefined]] as const) {
    const submit = submission ?? driver.advanceTo('periods');
    driver.apply(decision(driver, submit, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: spent } } }));
    const confirm = driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
    if (!confirm) throw new Error('no confirmation opened');
    driver.apply(decision(driver, confirm, 'approve'));
  }
  const evaluation = driver.advanceTo('evaluate');
  // (70 × 90 + 30 × 90) / 100 = 90.
  driver.apply(decision(driver, evaluation, 'approve', { payload: { kind: 'evaluation', scores: { service: 90, finance: 90 } } }));
  driver.runToEnd();
  return {
    status: driver.state.status,
    payments: driver.commands.flatMap((c) => (c.type === 'instructPayment' ? [[c.trancheId, c.amountFen] as [string, number]] : [])),
    incidents: driver.commands.flatMap((c) => (c.type === 'incident' ? [c.message] : [])),
    periods: driver.state.values.periods,
    contractFen: driver.state.values.contract?.amount ?? 0,
    capped: driver.commands.flatMap((c) => (c.type === 'capTranche' ? [[c.trancheId, c.amountFen, c.paidFen] as [string, number, number]] : [])),
  };
}

describe('money expressions: what was paid (payments)', () => {
  it('pays the rest of the contract scaled by the score and capped by spend; the same tranche without the history is capped by its fund, and fails a contract recorded before the fund cap', () => {
    // The happy award is the lowest bid, 1 000 000 fen. Working funds: 1 000 000 × 30 / 100 = 300 000.
    // With the history: the rest is 1 000 000 − 300 000 = 700 000; × 90 / 100 = 630 000; spend 300 000 + 500 000 = 800 000; min = 630 000.
    const withHistory = paidWith('min((contract.amount - payments.paidFen) * evaluation.score / 100, ledger.totals.activitySpendFen)');
    expect(withHistory.contractFen).toBe(1_000_000);
    expect(withHistory).toMatchObject({ status: 'completed', payments: [['workingFunds', 300_000], ['activityFunds', 630_000]], incidents: [] });
    // Per tranche, the same: 1 000 000 − 300 000 (workingFunds) = 700 000.
    expect(paidWith('min((contract.amount - payments.byTranche.workingFunds - payments.byTranche.activityFunds) * evaluation.score / 100, ledger.totals.activitySpendFen)').payments).toEqual([
      ['workingFunds', 300_000],
      ['activityFunds', 630_000],
    ]);
    // Without it: min(1 000 000 × 90 / 100 = 900 000, 800 000) = 800 000, above the activity fund's 700 000: paid 700 000,
    // and 300 000 + 700 000 = 1 000 000, the contract, after its term.
    expect(paidWith('min(contract.amount * evaluation.score / 100, ledger.totals.activitySpendFen)')).toMatchObject({
      status: 'completed',
      payments: [['workingFunds', 300_000], ['activityFunds', 700_000]],
      capped: [['activityFunds', 800_000, 700_000]],
      incidents: [],
    });
    // A contract recorded before the fund cap: 300 000 + 800 000 = 1 100 000 > 1 000 000, the contract total fails it.
    const without = paidWith('min(contract.amount * evaluation.score / 100, ledger.totals.activitySpendFen)', { tranchesUncappedByFund: true });
    expect(without.status).toBe('failed');
    expect(without.payments).toEqual([['workingFunds', 300_000]]);
    expect(without.incidents).toEqual([
      'tranche "activityFunds" of 800000 fen would bring payments to 1100000 fen, above the contract amount of 1000000 fen; nothing was paid',
    ]);
  });
});

describe('money expressions: each closed period (periods.ledger)', () => {
  it('records each month’s KPIs on its own lines, and a tranche gated on every month differs from one gated on the whole term', () => {
    // Activity funds are floor(2 500 000 × 1 000 000 / 5 000 000) = 500 000 fen. Each month alone spends
    // within them (300 000 and 500 000 ≤ 500 000); the whole term (800 000) does not.
    const monthly = paidWith('periods.ledger.all(p, p.kpis.spendWithinBudget) ? 100000 : 0');
    expect(monthly.periods).toEqual({ ledger: [{ period: 1, kpis: { spendWithinBudget: true } }, { period: 2, kpis: { spendWithinBudget: true } }] });
    expect(monthly.payments).toEqual([['workingFunds', 300_000], ['activityFunds', 100_000]]);
    // The whole-term KPI is false: the tranche comes to 0 and is settled without a payment.
    const whole = paidWith('kpis.spendWithinBudget ? 100000 : 0');
    expect(whole).toMatchObject({ status: 'completed', payments: [['workingFunds', 300_000]] });
    // The second month alone: 500 000 ≤ 500 000.
    expect(paidWith('periods.ledger[1].kpis.spendWithinBudget ? periods.ledger[1].period * 1000 : 0').payments).toEqual([['workingFunds', 300_000], ['activityFunds', 2_000]]);
  });
});

/* ------------------------------------------------------------------------------------------------
 * Issue 9, results follow the vendor: an evaluation of 50 (service) and 60 (finance) scores
 * (70 × 50 + 30 × 60) / 100 = 5300 / 100 = 53, below the pass score of 60.
 * ---------------------------------------------------------------------------------------------- */

const PASS_SCORE = '        passScore: 60\n';
const ACCEPTANCE = '      acceptance: { recipientOpinionsRequired: true, published: false }\n';
/** 优秀/良好/合格/不合格, the four grades (等次) evaluations of purchased services are commonly given. */
const GRADES = `${PASS_SCORE}        grades:
          - { min: 85, label: { zh: 优秀, en: Excellent } }
          - { min: 75, label: { zh: 良好, en: Good } }
          - { min: 60, label: { zh: 合格, en: Pass } }
          - { min: 0, label: { zh: 不合格, en: Fail } }
`;
const exitWith = (keys: string) =>
  `${ACCEPTANCE}      exit:\n        when: "!evaluation.passed"\n        reason: { zh: 绩效评价不合格, en: Failed evaluation }\n${keys}`;

/** The first contract, its evaluation decided at 53 (see above); the driver stops there. */
function evaluatedAt53(definition: ProcedureDefinition, context: Partial<EngineContext> = { recordsEvaluations: true }): ProcedureDriver {
  const { driver } = firstLedger(definition, context);
  const evaluation = driver.advanceTo('evaluate');
  driver.apply(decision(driver, evaluation, 'approve', { payload: { kind: 'evaluation', scores: { service: 50, finance: 60 } } }));
  return driver;
}

function recorded(driver: ProcedureDriver) {
  return driver.commands.flatMap((command) => (command.type === 'recordEvaluation' ? [command.evaluation] : []));
}

describe('performance.evaluation.grades', () => {
  it('records the evaluation in the vendor’s history with the band 53 falls in (不合格, from 0), or no grade without bands', () => {
    expect(recorded(evaluatedAt53(edited([[PASS_SCORE, GRADES]])))).toEqual([
      expect.objectContaining({ score: 53, passed: false, grade: { min: 0, label: { zh: '不合格', en: 'Fail' } }, period: null, groups: { business: 50, financial: 60 } }),
    ]);
    expect(recorded(evaluatedAt53(edited([])))).toEqual([expect.objectContaining({ score: 53, grade: null })]);
  });

  it('a score of 90 is 优秀 (85 ≤ 90), 75 is 良好 (75 ≤ 75 < 85)', () => {
    const gradeOf = (service: number, finance: number) => {
      const { driver } = firstLedger(edited([[PASS_SCORE, GRADES]]), { recordsEvaluations: true });
      const evaluation = driver.advanceTo('evaluate');
      driver.apply(decision(driver, evaluation, 'approve', { payload: { kind: 'evaluation', scores: { service, finance } } }));
      return recorded(driver)[0]?.grade?.label.zh;
    };
    expect(gradeOf(90, 90)).toBe('优秀');
    // (70 × 75 + 30 × 75) / 100 = 75.
    expect(gradeOf(75, 75)).toBe('良好');
  });

  it('records the role of whoever decided: the justice bureau after the evaluation escalated to it, the task’s finance bureau for a run recorded before (patch off)', () => {
    const EVALUATE = '        - { id: evaluate, type: evaluation, title: { zh: 第三方评估, en: Evaluation }, role: finance-bureau, next: accept }\n';
    const ESCALATING = '        - { id: evaluate, type: evaluation, title: { zh: 第三方评估, en: Evaluation }, role: finance-bureau, sla: { within: { businessDays: 5 }, escalateTo: justice-bureau }, next: accept }\n';
    const evaluatorRole = (context: Partial<EngineContext>) => {
      // Two periods, so the evaluation opens in 2026, the year whose working days the test calendar holds.
      const { driver } = firstLedger(edited([[EVALUATE, ESCALATING], ['        periods: "12"\n', '        periods: "2"\n']]), { recordsEvaluations: true, ...context });
      const evaluation = driver.advanceTo('evaluate');
      while (!driver.openTasks().find((t) => t.id === evaluation.id)?.escalatedTo.includes('justice-bureau')) if (!driver.fireNextTimer()) throw new Error('the evaluation never escalated');
      const event = decision(driver, evaluation, 'approve', { payload: { kind: 'evaluation', scores: { service: 50, finance: 60 } } });
      if (event.type !== 'taskDecided') throw new Error('unreachable');
      driver.apply({ ...event, actor: actorFor('justice-bureau', JURISDICTION, true) });
      return recorded(driver).map((record) => record.evaluator.role);
    };
    expect(evaluatorRole({})).toEqual(['justice-bureau']);
    expect(evaluatorRole({ evaluatorRoleOfTask: true })).toEqual(['finance-bureau']);
  });

  it('records nothing for a run recorded before evaluations followed the vendor (the workflow’s patch is off)', () => {
    expect(recorded(evaluatedAt53(edited([[PASS_SCORE, GRADES]]), {}))).toEqual([]);
  });
});

describe('performance.exit.withholds and performance.exit.reinstatedBy', () => {
  const paymentsOf = (driver: ProcedureDriver) => {
    driver.runToEnd();
    return {
      paid: driver.commands.flatMap((c) => (c.type === 'instructPayment' ? [c.trancheId] : [])),
      withheld: driver.commands.flatMap((c) => (c.type === 'withholdTranche' ? [c.trancheId] : [])),
    };
  };

  it('withholds: a failing evaluation stops the activity funds it names; without it they are paid as the definition says', () => {
    const withheld = paymentsOf(evaluatedAt53(edited([[ACCEPTANCE, exitWith('        withholds: [activityFunds]\n')]])));
    expect(withheld).toEqual({ paid: ['workingFunds'], withheld: ['activityFunds'] });
    const paid = paymentsOf(evaluatedAt53(edited([[ACCEPTANCE, exitWith('')]])));
    expect(paid).toEqual({ paid: ['workingFunds', 'activityFunds'], withheld: [] });
  });

  it('withholds: a passing evaluation withholds nothing', () => {
    const { driver } = firstLedger(edited([[ACCEPTANCE, exitWith('        withholds: [activityFunds]\n')]]), { recordsEvaluations: true });
    expect(paymentsOf(driver)).toEqual({ paid: ['workingFunds', 'activityFunds'], withheld: [] });
  });

  it('reinstatedBy: the suspension names the role that may reinstate the vendor, or none without the key', () => {
    const suspension = (keys: string) => evaluatedAt53(edited([[ACCEPTANCE, exitWith(keys)]])).commands.find((c) => c.type === 'suspendVendor');
    expect(suspension('        reinstatedBy: justice-bureau\n')).toMatchObject({ reason: '绩效评价不合格', reinstatedBy: 'justice-bureau' });
    expect(suspension('')).not.toHaveProperty('reinstatedBy');
  });
});


/**
 * Bidding done and the award task open: bid 1 (1 000 000 fen) from a vendor whose last evaluation failed
 * with 40, bid 2 (2 000 000 fen) from one without history.
 */
function awardOpenWithHistory(definition: ProcedureDefinition): { driver: ProcedureDriver; task: TaskInstance } {
    const driver = launched(definition);
    for (let i = 0; i < 500 && !driver.state.biddingOpen; i++) {
      const open = driver.openTasks()[0];
      if (open) driver.decideHappily(open);
      else if (!driver.fireNextTimer()) break;
    }
    const actor = actorFor('procurement-centre', JURISDICTION);
    const history = { count: 1, lastScore: 40, meanScore: 40, lastPassed: false };
    driver.apply({ type: 'bidSubmitted', at: driver.now, actor, bid: { bidId: 'bid-1', vendorId: 'vendor-1', vendorName: '承接机构1', priceFen: 1_000_000, qualified: true, submittedAt: driver.now, history } });
    driver.apply({ type: 'bidSubmitted', at: driver.now, actor, bid: { bidId: 'bid-2', vendorId: 'vendor-2', vendorName: '承接机构2', priceFen: 2_000_000, qualified: true, submittedAt: driver.now } });
  return { driver, task: driver.advanceTo('award') };
}

describe('selection.evaluation.criteria[].computed (vendor.history)', () => {
  const PLAN = '          - { id: plan, title: { zh: 服务方案, en: Service plan }, weight: 60 }\n';
  const COMPUTED = '          - { id: plan, title: { zh: 以往绩效, en: Past performance }, weight: 60, computed: "vendor.history.count == 0 ? 60 : vendor.history.lastScore" }\n';

  /** Bid 1 from a vendor whose last evaluation scored 40, bid 2 from one without history; the panel gives 90 for what it scores. */
  const awardedScores = (definition: ProcedureDefinition) => {
    const { driver, task } = awardOpenWithHistory(definition);
    const computed = definition.steps.some((step) => step.kind === 'vendorSelection' && step.selection.evaluation.criteria.some((c) => c.computed));
    const given: Record<string, number> = computed ? { price: 90 } : { price: 90, plan: 90 };
    const payload: TaskPayload = { kind: 'award', scores: { 'bid-1': given, 'bid-2': given }, winners: [{ bidId: 'bid-1', amountFen: 1_000_000 }, { bidId: 'bid-2', amountFen: 2_000_000 }] };
    driver.apply(decision(driver, task, 'approve', { payload }));
    return driver.state.winners.map((w) => w.score);
  };

  it('scores past performance from the bid’s history: 60 and 72 with the key, 90 and 90 from the panel without', () => {
    // bid-1: (40 × 90 + 60 × 40) / 100 = 6000 / 100 = 60; bid-2 (no history, 60): (3600 + 3600) / 100 = 72.
    expect(awardedScores(edited([[PLAN, COMPUTED]]))).toEqual([60, 72]);
    // The panel's 90 on both criteria: (40 × 90 + 60 × 90) / 100 = 90.
    expect(awardedScores(edited([]))).toEqual([90, 90]);
  });
});

describe('selection.awards.eligibility (vendor.history)', () => {
  const AWARDS = '      awards: { minWinners: 1, maxWinners: 2 }\n';
  const RULE =
    '      awards: { minWinners: 1, maxWinners: 2, eligibility: { when: "vendor.history.count == 0 || vendor.history.lastPassed", reason: { zh: 上次绩效评价不合格, en: Failed its last evaluation } } }\n';

  const award = (driver: ProcedureDriver, task: TaskInstance, bidIds: readonly string[]) => {
    const given = { price: 90, plan: 90 };
    const payload: TaskPayload = { kind: 'award', scores: { 'bid-1': given, 'bid-2': given }, winners: bidIds.map((bidId) => ({ bidId, amountFen: 1_000_000 })) };
    return driver.attempt(decision(driver, task, 'approve', { payload }));
  };

  it('a vendor whose last evaluation failed cannot win under the rule (refused naming the bid, vendor and rule; its bid kept as not eligible) and wins without it', () => {
    const ruled = awardOpenWithHistory(edited([[AWARDS, RULE]]));
    expect(ruled.driver.state.bids.map((bid) => [bid.bidId, bid.ineligible])).toEqual([
      ['bid-1', '上次绩效评价不合格'],
      ['bid-2', undefined],
    ]);
    const refused = award(ruled.driver, ruled.task, ['bid-1']);
    expect(verdict(refused)).toBe('refused: award.winners.0.bidId');
    if (refused.ok) throw new Error('unreachable');
    expect(refused.message).toBe('bid "bid-1" of "承接机构1" (vendor-1) may not win: 上次绩效评价不合格 (selection.awards.eligibility: vendor.history.count == 0 || vendor.history.lastPassed)');
    expect(ruled.driver.state.winners).toEqual([]);
    // The vendor without history passes the rule (count == 0) and wins.
    expect(verdict(award(ruled.driver, ruled.task, ['bid-2']))).toBe('accepted');
    expect(ruled.driver.state.winners.map((w) => w.bidId)).toEqual(['bid-2']);

    const without = awardOpenWithHistory(edited([]));
    expect(without.driver.state.bids.map((bid) => bid.ineligible)).toEqual([undefined, undefined]);
    expect(verdict(award(without.driver, without.task, ['bid-1']))).toBe('accepted');
    expect(without.driver.state.winners.map((w) => w.bidId)).toEqual(['bid-1']);
  });
});

/* ------------------------------------------------------------------------------------------------
 * Periods on the calendar (issue 9): the submission window, lateness, the term and case-sourced lines.
 * The contract's periods start on 2026-04-01 at 09:00 China time (CONTRACT_STARTS).
 * ---------------------------------------------------------------------------------------------- */

describe('performance.ledger: window, late, the term and line sources', () => {
  const DUE = '        dueDay: 25\n';
  const LINE = '          - { id: activitySpendFen, title: { zh: 活动经费支出, en: Activity spend }, type: money, min: 0 }\n';
  const CASES_LINE = '          - { id: casesClosed, title: { zh: 结案数, en: Cases closed }, type: int, min: 0, source: { cases: served } }\n';
  const submitAt = (driver: ProcedureDriver, task: TaskInstance, at: string, lines: FormValues = { activitySpendFen: 300 }) => {
    driver.now = at;
    return driver.attempt(decision(driver, task, 'submit', { payload: { kind: 'ledger', lines } }));
  };

  it('window.opensDay: a ledger submitted on 19 April is refused naming its window (20 April to the end of 25 April, China time), and taken without the key', () => {
    const withWindow = firstLedger(edited([[DUE, `${DUE}        window: { opensDay: 20 }\n`]]));
    const refused = submitAt(withWindow.driver, withWindow.task, '2026-04-19T02:00:00.000Z');
    expect(refused.ok).toBe(false);
    if (refused.ok) throw new Error('unreachable');
    expect(refused.field).toBe('window');
    expect(refused.message).toContain('from 2026-04-20 00:00:00 China time until 2026-04-25 23:59:59 China time');
    // 20 April 00:00 in China is 19 April 16:00 UTC: from then on the ledger is taken.
    expect(verdict(submitAt(withWindow.driver, withWindow.task, '2026-04-19T16:00:00.000Z'))).toBe('accepted');
    const without = firstLedger(edited([]));
    expect(verdict(submitAt(without.driver, without.task, '2026-04-19T02:00:00.000Z'))).toBe('accepted');
  });

  it('late.escalateTo: at the end of 25 April an unsubmitted ledger is overdue and escalates to the justice bureau; without the key nothing happens', () => {
    const withLate = firstLedger(edited([[DUE, `${DUE}        late: { escalateTo: justice-bureau }\n`]]));
    expect(withLate.driver.pendingTimers()).toContain(`sla:${withLate.task.id}`);
    withLate.driver.fireNextTimer();
    expect(withLate.driver.now).toBe('2026-04-25T15:59:59.999Z');
    const overdue = withLate.driver.commands.find((c) => c.type === 'taskOverdue');
    expect(overdue?.type === 'taskOverdue' && [overdue.task.id, overdue.dueAt, overdue.task.escalatedTo]).toEqual([withLate.task.id, '2026-04-25T15:59:59.999Z', ['justice-bureau']]);
    const without = firstLedger(edited([]));
    expect(without.driver.pendingTimers()).not.toContain(`sla:${without.task.id}`);
  });

  it('ledger.latePeriods and ledger.daysLate: a first ledger submitted on 28 April, 3 days after the 25th, counts in a KPI that reads them', () => {
    const kpi = '        - { id: spendWithinBudget, title: { zh: 支出未超预算, en: Spend within budget }, type: bool, expr: ledger.totals.activitySpendFen <= contract.funds.activityFunds }\n';
    const definition = edited([
      ['        periods: "12"\n', '        periods: "2"\n'],
      [kpi, `${kpi}        - { id: lateDays, title: { zh: 迟交天数, en: Days late }, type: int, expr: ledger.daysLate + ledger.latePeriods * 100 }\n`],
    ]);
    const { driver, task } = firstLedger(definition);
    // 28 April 10:00 China time: the 26th, 27th and 28th are past the 25th, 3 days.
    expect(verdict(submitAt(driver, task, '2026-04-28T02:00:00.000Z'))).toBe('accepted');
    driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    expect(driver.state.values.ledger).toMatchObject({ latePeriods: 1, daysLate: 3 });
    // The second ledger (May, due 25 May) on time, on its period's first day.
    driver.decideHappily(driver.advanceTo('periods'));
    driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    driver.advanceTo('evaluate');
    // 3 days + 1 late period × 100 = 103.
    expect(driver.state.values.kpis?.['lateDays']).toBe(103);
  });

  it('a ledger that opens only after its due day, because its predecessor was confirmed late, is due the day it opens and not late for the office’s days', () => {
    const twoMonths = edited([['        periods: "12"\n', '        periods: "2"\n']]);
    const lateConfirmation = (context: Partial<EngineContext>) => {
      const { driver, task } = firstLedger(twoMonths, context);
      // April's ledger on time (20 April); the judicial office confirms it only on 28 May at 09:00 China time,
      // after May's ledger was due (end of 25 May): May's submission opens then.
      expect(verdict(submitAt(driver, task, '2026-04-20T02:00:00.000Z'))).toBe('accepted');
      driver.now = '2026-05-28T01:00:00.000Z';
      driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
      const may = driver.openTasks().find((t) => t.kind === 'ledgerSubmission')!;
      // The vendor hands May's ledger in an hour after it opens.
      expect(verdict(submitAt(driver, may, '2026-05-28T02:00:00.000Z'))).toBe('accepted');
      driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
      return { dueAt: may.dueAt, ledger: driver.state.values.ledger };
    };
    // Only periods opened in turn (workflows recorded before each opened on its own) wait for their predecessor.
    // Due at the end of 28 May in China (15:59:59.999Z), the day it opened: handed in that day, 0 days late.
    expect(lateConfirmation({ ledgerPeriodsInTurn: true })).toMatchObject({ dueAt: '2026-05-28T15:59:59.999Z', ledger: { latePeriods: 0, daysLate: 0 } });
    // A workflow recorded before this keeps the due day: 26, 27 and 28 May, 3 days late.
    expect(lateConfirmation({ ledgerPeriodsInTurn: true, ledgerDueFromDueDayOnly: true })).toMatchObject({ dueAt: '2026-05-25T15:59:59.999Z', ledger: { latePeriods: 1, daysLate: 3 } });
  });

  it('the term: a two-month contract from 1 April opens its evaluation only at the end of 31 May, where a workflow recorded before the term held it opens it at the second confirmation', () => {
    const twoMonths = edited([['        periods: "12"\n', '        periods: "2"\n']]);
    const run = (context: EngineContext) => {
      const cycle = launched(twoMonths).runToEnd({ bidders: 2 });
      const start = cycle.commands.find((c) => c.type === 'startContracts');
      if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
      const driver = new ProcedureDriver(context, CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
      for (let period = 1; period <= 2; period++) {
        driver.decideHappily(driver.advanceTo('periods'));
        driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
      }
      return driver;
    };
    const held = run(contextOf(twoMonths));
    expect(held.openTasks()).toEqual([]);
    // Two months from 1 April: the term ends as 1 June begins in China, 2026-06-01T00:00+08:00 = 2026-05-31T16:00Z.
    expect(held.state.termEndsAt).toBe('2026-05-31T16:00:00.000Z');
    expect(held.pendingTimers()).toEqual(['ledgerTerm:periods']);
    held.fireNextTimer();
    expect([held.now, held.openTasks().map((t) => t.kind)]).toEqual(['2026-05-31T16:00:00.000Z', ['evaluation']]);
    const legacy = run({ ...contextOf(twoMonths), termEndsAtLastLedger: true });
    expect(legacy.openTasks().map((t) => t.kind)).toEqual(['evaluation']);
  });

  it('the term at payment: a tranche of the payment step reached before the term ends fails the contract with an incident and pays nothing', () => {
    const twoMonths = edited([['        periods: "12"\n', '        periods: "2"\n']]);
    const cycle = launched(twoMonths).runToEnd({ bidders: 2 });
    const start = cycle.commands.find((c) => c.type === 'startContracts');
    if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
    const driver = new ProcedureDriver(contextOf(twoMonths), CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
    driver.advanceTo('evaluate');
    // A flow that reaches the payment step early (here: the term moved a year on, as if the periods were skipped).
    driver.state.termEndsAt = '2027-05-31T16:00:00.000Z';
    driver.runToEnd();
    expect(driver.state.status).toBe('failed');
    expect(driver.commands.filter((c) => c.type === 'instructPayment').map((c) => c.type === 'instructPayment' && c.trancheId)).toEqual(['workingFunds']);
    expect(driver.commands.some((c) => c.type === 'incident' && c.message.includes('tranche "activityFunds" comes after the performance step but was reached before the contract\'s term ends'))).toBe(true);
  });

  it('the term at payment: a performance flow that reaches its end around its ledger periods leaves no term, and the payment step pays nothing; a contract recorded before pays', () => {
    // PF-FINAL-TRANCHE rejects such a flow now; a definition compiled before it did is edited here after compiling.
    // The activity funds are paid whole: with no ledger run there is no spend for the fixture's amount to read.
    const aroundTheTerm = edited([['amount: min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)', 'amount: contract.funds.activityFunds']]);
    const performance = aroundTheTerm.steps.find((step) => step.kind === 'performanceManagement');
    if (!performance) throw new Error('no performance step');
    performance.flow.start = 'evaluate';
    const run = (context: Partial<EngineContext>) => {
      const cycle = launched(aroundTheTerm).runToEnd({ bidders: 2 });
      const start = cycle.commands.find((c) => c.type === 'startContracts');
      if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
      return new ProcedureDriver({ ...contextOf(aroundTheTerm), ...context }, CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] }).runToEnd();
    };
    const refused = run({});
    expect(refused.state.termEndsAt).toBeUndefined();
    expect(refused.state.status).toBe('failed');
    // Only the working funds, paid at signing before the performance step; the activity funds of the payment step are not.
    expect(refused.commands.filter((c) => c.type === 'instructPayment').map((c) => c.type === 'instructPayment' && c.trancheId)).toEqual(['workingFunds']);
    expect(refused.commands.flatMap((c) => (c.type === 'incident' ? [c.message] : []))).toEqual([
      'tranche "activityFunds" comes after the performance step, which reached its end without running its ledger periods: the contract has no term for the money to wait for; nothing was paid',
    ]);
    const legacy = run({ fullPaymentBeforeTerm: true });
    expect(legacy.state.status).toBe('completed');
    // The happy award is 1 000 000 fen of a budget halved into the two funds: 500 000 each, 1 000 000 in all, with no term to wait for.
    expect(legacy.commands.flatMap((c) => (c.type === 'instructPayment' ? [[c.trancheId, c.amountFen]] : []))).toEqual([['workingFunds', 500_000], ['activityFunds', 500_000]]);
  });

  it('lines[].source: a case-sourced line typed by the vendor is refused naming it; submitted, it holds what the case evidence gave, as of the submission; a vendor line is typed', () => {
    const withCases = firstLedger(edited([[LINE, `${LINE}${CASES_LINE}`]]));
    // The vendor is not told to wait: the line is compiled when it submits.
    expect(withCases.task.awaitingCaseEvidence).toBeUndefined();
    expect(verdict(submitAt(withCases.driver, withCases.task, CONTRACT_STARTS, { activitySpendFen: 300, casesClosed: 4 }))).toBe('refused: ledger.casesClosed');
    const withEvidence = (caseEvidence: Extract<EngineEvent, { type: 'taskDecided' }>['caseEvidence']) => ({
      ...(decision(withCases.driver, withCases.task, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: 300 } } }) as Extract<EngineEvent, { type: 'taskDecided' }>),
      ...(caseEvidence ? { caseEvidence } : {}),
    });
    withCases.driver.now = CONTRACT_STARTS;
    // Without evidence (a path that never asked for it) the submission is refused, nothing recorded.
    const without = withCases.driver.attempt(withEvidence(undefined));
    expect(without.ok || [without.code, without.field]).toEqual(['conflict', 'ledger']);
    // An update validator checks it before the evidence is asked for: accepted, nothing recorded yet.
    const pending = decide(withCases.driver.context, withCases.driver.state, withEvidence('pending'));
    expect(pending.ok && pending.state.ledgerLines['1']).toBeUndefined();
    // With the evidence: the line holds its count, and the submission and the confirmation say as of when.
    const through = CONTRACT_STARTS;
    const taken = withCases.driver.attempt(withEvidence({ through, lines: { casesClosed: 7 } }));
    expect(taken.ok && taken.state.ledgerLines['1']).toEqual({ activitySpendFen: 300, casesClosed: 7 });
    const confirm = withCases.driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
    expect(confirm?.caseEvidenceThrough).toBe(through);
    expect(withCases.driver.state.tasks.find((t) => t.id === withCases.task.id)?.caseEvidenceThrough).toBe(through);
    const vendorTyped = firstLedger(edited([[LINE, `${LINE}${CASES_LINE.replace('source: { cases: served }', 'source: vendor')}`]]));
    expect(vendorTyped.task.awaitingCaseEvidence).toBeUndefined();
    expect(verdict(submitAt(vendorTyped.driver, vendorTyped.task, CONTRACT_STARTS, { activitySpendFen: 300, casesClosed: 4 }))).toBe('accepted');
  });

  it('lines[].source.cases: the line’s evidence query names its metric and counts from the period’s start (the contract’s, 1 April 09:00 China time), the next period from where the last ledger stopped; a contract recorded before holds the line at 0 and lists it as awaiting case evidence', () => {
    const metrics = `${CASES_LINE}${CASES_LINE.replace('casesClosed', 'educationHours').replace('source: { cases: served }', 'source: { cases: { obligation: education, measure: amount } }')}`;
    const { driver, task } = firstLedger(edited([[LINE, `${LINE}${metrics}`]]));
    expect(caseEvidenceQuery(driver.context, driver.state, task.id)).toEqual({
      period: 1,
      from: '2026-04-01T01:00:00.000Z',
      lines: [
        { id: 'casesClosed', metric: 'served' },
        { id: 'educationHours', metric: { obligation: 'education', measure: 'amount' } },
      ],
    });
    // April's ledger handed in on 20 April: May's counts from that instant on, so nothing is counted twice or lost.
    driver.now = '2026-04-20T02:00:00.000Z';
    driver.decideHappily(task);
    driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    const may = driver.advanceTo('periods');
    expect(caseEvidenceQuery(driver.context, driver.state, may.id)?.from).toBe('2026-04-20T02:00:00.000Z');
    const legacy = firstLedger(edited([[LINE, `${LINE}${metrics}`]]), { caseLinesHoldZero: true });
    expect(caseEvidenceQuery(legacy.driver.context, legacy.driver.state, legacy.task.id)).toBeUndefined();
    expect(legacy.task.awaitingCaseEvidence).toEqual(['casesClosed', 'educationHours']);
    const taken = submitAt(legacy.driver, legacy.task, CONTRACT_STARTS, { activitySpendFen: 300 });
    expect(taken.ok && taken.state.ledgerLines['1']).toEqual({ activitySpendFen: 300, casesClosed: 0, educationHours: 0 });
  });

  it('case lines count in checks and KPIs as typed lines do: evidence that breaks a check across lines is refused naming the lines, evidence that keeps it is taken and the KPI reads it', () => {
    const KPI = '        - { id: spendWithinBudget, title: { zh: 支出未超预算, en: Spend within budget }, type: bool, expr: ledger.totals.activitySpendFen <= contract.funds.activityFunds }\n';
    const check = '        checks:\n          - { expr: "casesClosed > 0 || activitySpendFen == 0", message: { zh: 无服务对象不得列支, en: No spend without cases served } }\n';
    const definition = edited([
      ['        periods: "12"\n', '        periods: "1"\n'],
      [LINE, `${LINE}${CASES_LINE}${check}`],
      [KPI, `${KPI}        - { id: casesServed, title: { zh: 服务人数, en: Cases served }, type: int, expr: ledger.totals.casesClosed }\n`],
    ]);
    const { driver, task } = firstLedger(definition);
    driver.now = CONTRACT_STARTS;
    const submit = (lines: Record<string, number>) => driver.attempt({ ...(decision(driver, task, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: 300 } } }) as Extract<EngineEvent, { type: 'taskDecided' }>), caseEvidence: { through: CONTRACT_STARTS, lines } });
    // No case served, yet 300 fen spent: the check refuses, nothing recorded.
    const refused = submit({ casesClosed: 0 });
    expect(refused.ok || refused.problems?.map((p) => p.field)).toEqual(['ledger.casesClosed', 'ledger.activitySpendFen']);
    expect(driver.state.ledgerLines['1']).toBeUndefined();
    expect(submit({ casesClosed: 3 }).ok).toBe(true);
    driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    driver.advanceTo('evaluate');
    expect(driver.state.values.kpis?.['casesServed']).toBe(3);
  });
});

/* ------------------------------------------------------------------------------------------------
 * Issue 9, several period groups: review groups computed per review period (`performance.reviews`),
 * and ledger periods run by several nodes (`through`) with an acceptance and a tranche mid-term.
 * The contract's periods start on 2026-04-01 at 09:00 China time (CONTRACT_STARTS).
 * ---------------------------------------------------------------------------------------------- */

const SIX_MONTHS = ['        periods: "12"\n', '        periods: "6"\n'] as const;
const REVIEW_ANCHOR = '      evaluation:\n        indicators:\n';
/** A review group of every `every` months whose KPI is the spend of its months, passing with `passWhen`. */
const reviewsKey = (every: number, passWhen?: string) =>
  `      reviews:
        - id: quarterly
          title: { zh: 季度评价, en: Quarterly review }
          every: ${every}
          kpis:
            - { id: spend, title: { zh: 季度支出, en: Spend }, type: money, expr: ledger.totals.activitySpendFen }
${passWhen === undefined ? '' : `          passWhen: "${passWhen}"\n`}${REVIEW_ANCHOR}`;

/** Drives a contract through its ledger periods, whatever node runs them, spending `spends[i]` fen in month i + 1; stops at the first other task. */
function ledgersSpending(definition: ProcedureDefinition, spends: readonly number[], context: Partial<EngineContext> = {}): ProcedureDriver {
  const { driver } = firstLedger(definition, context);
  for (const spent of spends) {
    let submit = driver.openTasks().find((t) => t.kind === 'ledgerSubmission');
    while (!submit && driver.openTasks().length === 0 && driver.fireNextTimer()) submit = driver.openTasks().find((t) => t.kind === 'ledgerSubmission');
    if (!submit) throw new Error(`no ledger opened for ${spent}`);
    driver.apply(decision(driver, submit, 'submit', { payload: { kind: 'ledger', lines: { activitySpendFen: spent } } }));
    const confirm = driver.openTasks().find((t) => t.kind === 'ledgerConfirmation');
    if (!confirm) throw new Error('no confirmation opened');
    driver.apply(decision(driver, confirm, 'approve'));
    // A node with `through` moves on to other work mid-term: the caller decides it.
    if (driver.openTasks().some((t) => t.kind !== 'ledgerSubmission')) break;
  }
  return driver;
}

function reviewed(driver: ProcedureDriver) {
  return driver.commands.flatMap((c) => (c.type === 'periodReviewed' ? [[c.review.period, c.review.fromPeriod, c.review.toPeriod, c.review.kpis['spend'], c.review.passed]] : []));
}

describe('performance.reviews (every, passWhen)', () => {
  // Monthly spends of the six months, in fen.
  const SPENDS = [100_000, 200_000, 300_000, 100_000, 100_000, 100_000];

  it('reviews: each quarter closes with its third month, its KPI on its own months; without the key nothing is reviewed', () => {
    const driver = ledgersSpending(edited([SIX_MONTHS, [REVIEW_ANCHOR, reviewsKey(3, 'kpis.spend <= 400000')]]), SPENDS);
    // Quarter 1: 100 000 + 200 000 + 300 000 = 600 000 > 400 000, fails; quarter 2: 3 × 100 000 = 300 000, passes.
    expect(reviewed(driver)).toEqual([
      [1, 1, 3, 600_000, false],
      [2, 4, 6, 300_000, true],
    ]);
    expect(driver.state.values.periods?.['quarterly']).toEqual([
      { period: 1, kpis: { spend: 600_000 }, passed: false },
      { period: 2, kpis: { spend: 300_000 }, passed: true },
    ]);
    const without = ledgersSpending(edited([SIX_MONTHS]), SPENDS);
    expect(reviewed(without)).toEqual([]);
    expect(Object.keys(without.state.values.periods ?? {})).toEqual(['ledger']);
  });

  it('every: 2 months make a review period of 100 000 + 200 000, 300 000 + 100 000 and 100 000 + 100 000 fen, where 3 make two quarters', () => {
    expect(reviewed(ledgersSpending(edited([SIX_MONTHS, [REVIEW_ANCHOR, reviewsKey(2, 'kpis.spend <= 400000')]]), SPENDS))).toEqual([
      [1, 1, 2, 300_000, true],
      [2, 3, 4, 400_000, true],
      [3, 5, 6, 200_000, true],
    ]);
    expect(reviewed(ledgersSpending(edited([SIX_MONTHS, [REVIEW_ANCHOR, reviewsKey(3, 'kpis.spend <= 400000')]]), SPENDS)).map((r) => r.slice(0, 3))).toEqual([
      [1, 1, 3],
      [2, 4, 6],
    ]);
  });

  it('passWhen: without it every quarter passes, and a tranche gated on a failing quarter reads it', () => {
    expect(reviewed(ledgersSpending(edited([SIX_MONTHS, [REVIEW_ANCHOR, reviewsKey(3)]]), SPENDS)).map((r) => r[4])).toEqual([true, true]);
    const gated = (passWhen?: string) => {
      const definition = edited([
        SIX_MONTHS,
        [REVIEW_ANCHOR, reviewsKey(3, passWhen)],
        [ACTIVITY_AMOUNT, '          amount: "periods.quarterly.exists(p, !p.passed) ? 0 : 1000"\n'],
      ]);
      const driver = ledgersSpending(definition, SPENDS);
      driver.runToEnd();
      return driver.commands.flatMap((c) => (c.type === 'instructPayment' && c.trancheId === 'activityFunds' ? [c.amountFen] : []));
    };
    // With the condition, quarter 1 (600 000 fen) fails and the tranche comes to 0: no payment; without it, 1 000 fen.
    expect(gated('kpis.spend <= 400000')).toEqual([]);
    expect(gated()).toEqual([1000]);
  });
});

describe('flow node ledgerPeriods.through', () => {
  const FOUR_MONTHS = ['        periods: "12"\n', '        periods: "4"\n'] as const;
  const PERIODS_NODE = '        - { id: periods, type: ledgerPeriods, title: { zh: 月度台账, en: Monthly ledgers }, next: evaluate }\n';
  const MID_TERM = `        - { id: periods, type: ledgerPeriods, title: { zh: 上半期台账, en: First-half ledgers }, through: "2", next: midEvaluate }
        - { id: midEvaluate, type: evaluation, title: { zh: 中期评估, en: Mid-term evaluation }, role: finance-bureau, next: midAccept }
        - { id: midAccept, type: acceptance, title: { zh: 中期验收, en: Mid-term acceptance }, role: justice-bureau, next: payMidTerm, onFail: performanceFailed }
        - { id: payMidTerm, type: payment, tranche: midTerm, next: laterPeriods }
        - { id: laterPeriods, type: ledgerPeriods, title: { zh: 下半期台账, en: Second-half ledgers }, next: evaluate }
`;
  const ACTIVITY_TRANCHE = '        - id: activityFunds\n';
  const MID_TRANCHE = `        - { id: midTerm, title: { zh: 中期款, en: Mid-term tranche }, after: midAccept, amount: "100000" }\n${ACTIVITY_TRANCHE}`;
  const midTerm = () => edited([FOUR_MONTHS, [PERIODS_NODE, MID_TERM], [ACTIVITY_TRANCHE, MID_TRANCHE]]);
  const SCORES: TaskPayload = { kind: 'evaluation', scores: { service: 90, finance: 90 } };

  it('ends the first node after period 2: the mid-term evaluation and acceptance come, the tranche is paid, and period 3 opens on 1 June; without it period 3 follows', () => {
    const driver = ledgersSpending(midTerm(), [100, 100], { recordsEvaluations: true });
    expect(driver.openTasks().map((t) => t.nodeId)).toEqual(['midEvaluate']);
    expect(driver.commands.some((c) => c.type === 'instructPayment' && c.trancheId === 'midTerm')).toBe(false);
    driver.apply(decision(driver, driver.openTasks()[0]!, 'approve', { payload: SCORES }));
    driver.apply(decision(driver, driver.advanceTo('midAccept'), 'approve', { payload: { kind: 'acceptance', passed: true, recipientOpinions: ['满意'] } }));
    expect(driver.commands.flatMap((c) => (c.type === 'instructPayment' ? [[c.trancheId, c.amountFen]] : []))).toEqual([['workingFunds', 500_000], ['midTerm', 100_000]]);
    // The third month begins on 1 June China time, 2026-05-31T16:00Z: the second node waits for it on the same calendar.
    expect(driver.pendingTimers()).toEqual(['ledger:3']);
    driver.fireNextTimer();
    expect([driver.now, driver.openTasks().map((t) => `${t.nodeId} ${t.kind} ${t.period}`)]).toEqual(['2026-05-31T16:00:00.000Z', ['laterPeriods ledgerSubmission 3']]);
    const without = ledgersSpending(edited([FOUR_MONTHS]), [100, 100]);
    without.fireNextTimer();
    expect(without.openTasks().map((t) => `${t.nodeId} ${t.kind} ${t.period}`)).toEqual(['periods ledgerSubmission 3']);
  });

  it('the node without it holds the term (four months from 1 April end as 1 August begins), and each evaluation records the periods it covers', () => {
    const driver = ledgersSpending(midTerm(), [100, 100], { recordsEvaluations: true });
    driver.apply(decision(driver, driver.openTasks()[0]!, 'approve', { payload: SCORES }));
    driver.apply(decision(driver, driver.advanceTo('midAccept'), 'approve', { payload: { kind: 'acceptance', passed: true, recipientOpinions: ['满意'] } }));
    for (let period = 3; period <= 4; period++) {
      driver.fireNextTimer();
      driver.decideHappily(driver.advanceTo('laterPeriods'));
      driver.decideHappily(driver.openTasks().find((t) => t.kind === 'ledgerConfirmation')!);
    }
    expect(driver.state.values.ledger?.periods).toBe(4);
    expect(driver.pendingTimers()).toEqual(['ledgerTerm:laterPeriods']);
    driver.fireNextTimer();
    // 1 August 00:00 China time = 2026-07-31T16:00Z.
    expect([driver.now, driver.openTasks().map((t) => t.nodeId)]).toEqual(['2026-07-31T16:00:00.000Z', ['evaluate']]);
    driver.apply(decision(driver, driver.openTasks()[0]!, 'approve', { payload: SCORES }));
    expect(recorded(driver).map((r) => [r.period, r.periodThrough])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // With one node, the evaluation covers the whole contract: no period, as before.
    const one = ledgersSpending(edited([FOUR_MONTHS]), [100, 100, 100, 100], { recordsEvaluations: true });
    one.apply(decision(one, one.advanceTo('evaluate'), 'approve', { payload: SCORES }));
    expect(recorded(one).map((r) => [r.period, r.periodThrough])).toEqual([[null, undefined]]);
  });
});

/* ------------------------------------------------------------------------------------------------
 * Issue 9, last gaps: the tranches of one fund never exceed its share of the contract, and the final
 * part of the money waits for the term. The happy award is the lowest bid, 1 000 000 fen, of a budget
 * of 5 000 000 halved into working and activity funds: each fund's share of the contract is
 * ⌊2 500 000 × 1 000 000 / 5 000 000⌋ = 500 000 fen. The contract's periods start on 1 April 2026.
 * ---------------------------------------------------------------------------------------------- */

describe('payment.tranches[].fund and the term: the money stays within its fund and its final part waits for the term', () => {
  const TWO_MONTHS = ['        periods: "12"\n', '        periods: "2"\n'] as const;
  const WORKING = 'fund: workingFunds, after: signContract, amount: contract.funds.workingFunds }';
  const PAY_ACTIVITY = '        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: paymentDone }\n';
  const ACTIVITY_TRANCHE = '        - id: activityFunds\n';
  const paymentsOf = (driver: ProcedureDriver) => driver.commands.flatMap((c) => (c.type === 'instructPayment' ? [[c.trancheId, c.amountFen] as [string, number]] : []));
  const incidentsOf = (driver: ProcedureDriver) => driver.commands.flatMap((c) => (c.type === 'incident' ? [c.message] : []));

  /** Working funds at 80 % of their share, then the activity funds as the fixture says and a bonus of 8 % of the contract from the activity fund. */
  const withBonus = () =>
    edited([
      TWO_MONTHS,
      [WORKING, 'fund: workingFunds, after: signContract, amount: contract.funds.workingFunds * 80 / 100 }'],
      [ACTIVITY_TRANCHE, `        - { id: bonus, title: { zh: 奖励, en: Bonus }, fund: activityFunds, after: accept, amount: contract.amount * 8 / 100 }\n${ACTIVITY_TRANCHE}`],
      [PAY_ACTIVITY, '        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: payBonus }\n        - { id: payBonus, type: payment, tranche: bonus, next: paymentDone }\n'],
    ]);

  it('fund: a tranche above what its fund has left is paid the rest of the fund and audited as capped; a contract recorded before the cap pays it whole', () => {
    const run = (context: Partial<EngineContext>) => ledgersSpending(withBonus(), [300_000, 500_000], context).runToEnd();
    const capped = run({});
    // workingFunds: 500 000 × 80 / 100 = 400 000. activityFunds: min(500 000 × 90 / 100 = 450 000, 300 000 + 500 000) = 450 000.
    // bonus: 1 000 000 × 8 / 100 = 80 000, but the activity fund has 500 000 − 450 000 = 50 000 left: 50 000.
    expect([capped.state.status, paymentsOf(capped)]).toEqual(['completed', [['workingFunds', 400_000], ['activityFunds', 450_000], ['bonus', 50_000]]]);
    const cap = capped.commands.find((c) => c.type === 'capTranche');
    expect(cap?.type === 'capTranche' && [cap.trancheId, cap.fund, cap.amountFen, cap.paidFen, cap.fundShareFen]).toEqual(['bonus', 'activityFunds', 80_000, 50_000, 500_000]);
    expect(incidentsOf(capped)).toEqual([]);
    // Without the cap: 400 000 + 450 000 + 80 000 = 930 000 ≤ 1 000 000, all paid as the amounts say.
    const uncapped = run({ tranchesUncappedByFund: true });
    expect([uncapped.state.status, paymentsOf(uncapped)]).toEqual(['completed', [['workingFunds', 400_000], ['activityFunds', 450_000], ['bonus', 80_000]]]);
    expect(uncapped.commands.some((c) => c.type === 'capTranche')).toBe(false);
  });

  it('fund: a fund with nothing left settles the tranche without a payment, still audited', () => {
    // The bonus from the working fund, which its own tranche paid in full (500 000 of 500 000): 0 left.
    const definition = edited([
      TWO_MONTHS,
      [ACTIVITY_TRANCHE, `        - { id: bonus, title: { zh: 奖励, en: Bonus }, fund: workingFunds, after: accept, amount: contract.amount * 4 / 100 }\n${ACTIVITY_TRANCHE}`],
      [PAY_ACTIVITY, '        - { id: payActivityFunds, type: payment, tranche: activityFunds, next: payBonus }\n        - { id: payBonus, type: payment, tranche: bonus, next: paymentDone }\n'],
    ]);
    const driver = ledgersSpending(definition, [300_000, 500_000]).runToEnd();
    // workingFunds 500 000; activityFunds min(450 000, 800 000) = 450 000; bonus 1 000 000 × 4 / 100 = 40 000 capped at 0.
    expect([driver.state.status, paymentsOf(driver)]).toEqual(['completed', [['workingFunds', 500_000], ['activityFunds', 450_000]]]);
    const cap = driver.commands.find((c) => c.type === 'capTranche');
    expect(cap?.type === 'capTranche' && [cap.trancheId, cap.amountFen, cap.paidFen]).toEqual(['bonus', 40_000, 0]);
  });

  it('fund shares: they add up to the contract, the rounding remainder to the largest fraction, so "the rest of the contract" is paid in full; a contract recorded before rounds each down and caps it', () => {
    // The activity funds pay the rest of the contract: 3 000 000 − what the working funds were paid.
    const rest = edited([TWO_MONTHS, ['amount: min(contract.funds.activityFunds * evaluation.score / 100, ledger.totals.activitySpendFen)', 'amount: contract.amount - payments.paidFen']]);
    const run = (context: Partial<EngineContext>) => {
      const cycle = launched(rest).runToEnd({ bidders: 2 });
      const start = cycle.commands.find((c) => c.type === 'startContracts');
      if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
      // A budget of 3 000 000 working + 3 000 001 activity funds = 6 000 001 fen, and an award of 3 000 000.
      const cycleValues = { ...cycle.state.values, budget: { total: 6_000_001, workingFunds: 3_000_000, activityFunds: 3_000_001 } };
      return new ProcedureDriver({ ...contextOf(rest), ...context }, CONTRACT_STARTS).start({ scope: 'contract', cycleValues, winner: { ...start.winners[0], amountFen: 3_000_000 } });
    };
    // Working: 3 000 000 × 3 000 000 / 6 000 001 = 1 499 999 rest 4 500 001 (fraction 0.75); activity: 3 000 001 × 3 000 000 / 6 000 001
    // = 1 500 000 rest 1 499 999 (fraction 0.25). Rounded down they make 2 999 999: the 1 fen left goes to the larger fraction, working.
    const whole = run({});
    expect(whole.state.values.contract?.funds).toEqual({ workingFunds: 1_500_000, activityFunds: 1_500_000 });
    whole.runToEnd();
    // Working 1 500 000 at signing; the rest 3 000 000 − 1 500 000 = 1 500 000, within the activity share: 3 000 000 in all.
    expect([whole.state.status, paymentsOf(whole), whole.state.paidFen]).toEqual(['completed', [['workingFunds', 1_500_000], ['activityFunds', 1_500_000]], 3_000_000]);
    expect(whole.commands.some((c) => c.type === 'capTranche')).toBe(false);
    const legacy = run({ fundSharesRoundedDown: true });
    expect(legacy.state.values.contract?.funds).toEqual({ workingFunds: 1_499_999, activityFunds: 1_500_000 });
    legacy.runToEnd();
    // Working 1 499 999; the rest 3 000 000 − 1 499 999 = 1 500 001 is capped at the activity share 1 500 000: 2 999 999 in all.
    expect([legacy.state.status, paymentsOf(legacy), legacy.state.paidFen]).toEqual(['completed', [['workingFunds', 1_499_999], ['activityFunds', 1_500_000]], 2_999_999]);
    const cap = legacy.commands.find((c) => c.type === 'capTranche');
    expect(cap?.type === 'capTranche' && [cap.trancheId, cap.amountFen, cap.paidFen, cap.fundShareFen]).toEqual(['activityFunds', 1_500_001, 1_500_000, 1_500_000]);
  });

  /** A mid-term tranche of `amount` after the first of two months, the second month run by a second ledgerPeriods node. */
  const midTerm = (amount: string) =>
    edited([
      TWO_MONTHS,
      [
        '        - { id: periods, type: ledgerPeriods, title: { zh: 月度台账, en: Monthly ledgers }, next: evaluate }\n',
        `        - { id: periods, type: ledgerPeriods, title: { zh: 首月台账, en: First month }, through: "1", next: payMidTerm }
        - { id: payMidTerm, type: payment, tranche: midTerm, next: laterPeriods }
        - { id: laterPeriods, type: ledgerPeriods, title: { zh: 次月台账, en: Second month }, next: evaluate }
`,
      ],
      [ACTIVITY_TRANCHE, `        - { id: midTerm, title: { zh: 中期款, en: Mid-term tranche }, after: periods, amount: "${amount}" }\n${ACTIVITY_TRANCHE}`],
    ]);

  it('the term: a mid-term tranche that would complete the contract’s payments is refused with an incident, nothing paid; one fen less is paid; a contract recorded before pays it', () => {
    const rest = midTerm('contract.amount - payments.paidFen');
    const refused = ledgersSpending(rest, [300_000]);
    // Working funds 500 000 at signing; the rest 1 000 000 − 500 000 = 500 000 would make 1 000 000, the whole
    // contract, at the end of April: the term (two months from 1 April) ends as 1 June begins in China.
    expect(refused.state.status).toBe('failed');
    expect(paymentsOf(refused)).toEqual([['workingFunds', 500_000]]);
    expect(incidentsOf(refused)).toEqual([
      'tranche "midTerm" of 500000 fen would bring payments to 1000000 fen, the whole contract amount, before the contract\'s term ends at 2026-05-31T16:00:00.000Z: the final part of the money waits for the term; nothing was paid',
    ]);
    // 1 000 000 − 500 000 − 1 = 499 999: 999 999 paid mid-term, 1 fen short of the contract, is allowed.
    const short = ledgersSpending(midTerm('contract.amount - payments.paidFen - 1'), [300_000]);
    expect([short.state.status, paymentsOf(short)]).toEqual(['running', [['workingFunds', 500_000], ['midTerm', 499_999]]]);
    const legacy = ledgersSpending(rest, [300_000], { fullPaymentBeforeTerm: true });
    expect(paymentsOf(legacy)).toEqual([['workingFunds', 500_000], ['midTerm', 500_000]]);
  });
});
