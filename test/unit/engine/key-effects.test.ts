import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
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
function firstLedger(definition: ProcedureDefinition): { driver: ProcedureDriver; task: TaskInstance } {
  const cycle = launched(definition).runToEnd({ bidders: 2 });
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
  const driver = new ProcedureDriver(contextOf(definition), CONTRACT_STARTS).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0] });
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
 * Periods on the calendar (issue 9): the submission window, lateness, the term and case-sourced lines.
 * The contract's periods start on 2026-04-01 at 09:00 China time (CONTRACT_STARTS).
 * ---------------------------------------------------------------------------------------------- */

describe('performance.ledger: window, late, the term and line sources', () => {
  const DUE = '        dueDay: 25\n';
  const LINE = '          - { id: activitySpendFen, title: { zh: 活动经费支出, en: Activity spend }, type: money, min: 0 }\n';
  const CASES_LINE = '          - { id: casesClosed, title: { zh: 结案数, en: Cases closed }, type: int, min: 0, source: { cases: closedCases } }\n';
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

  it('lines[].source: a case-sourced line typed by the vendor is refused naming it, left out it holds 0 and the task says it awaits case evidence; a vendor line is typed', () => {
    const withCases = firstLedger(edited([[LINE, `${LINE}${CASES_LINE}`]]));
    expect(withCases.task.awaitingCaseEvidence).toEqual(['casesClosed']);
    expect(verdict(submitAt(withCases.driver, withCases.task, CONTRACT_STARTS, { activitySpendFen: 300, casesClosed: 4 }))).toBe('refused: ledger.casesClosed');
    const taken = submitAt(withCases.driver, withCases.task, CONTRACT_STARTS, { activitySpendFen: 300 });
    expect(taken.ok && taken.state.ledgerLines['1']).toEqual({ activitySpendFen: 300, casesClosed: 0 });
    const vendorTyped = firstLedger(edited([[LINE, `${LINE}${CASES_LINE.replace('source: { cases: closedCases }', 'source: vendor')}`]]));
    expect(vendorTyped.task.awaitingCaseEvidence).toBeUndefined();
    expect(verdict(submitAt(vendorTyped.driver, vendorTyped.task, CONTRACT_STARTS, { activitySpendFen: 300, casesClosed: 4 }))).toBe('accepted');
  });
});
