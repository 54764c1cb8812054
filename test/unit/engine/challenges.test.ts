import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { decide } from '../../../workflows/engine/interpreter.js';
import type { Actor, Decision, EngineContext, EngineEvent, EngineState } from '../../../workflows/engine/types.js';
import { CN_2026, compiledProcedure, edited, MINIMAL_PROCEDURE } from '../../support/minimal-procedure.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

const CHALLENGES = `      challenges:
        filing: { after: { notice: awardResult }, within: { businessDays: 7 } }
        answeredBy: justice-bureau
        answer: { within: { businessDays: 7 }, escalateTo: finance-bureau }
`;

/**
 * The minimal procedure whose contract step publishes the result notice first and then signs, with a
 * 30-day signing SLA; with `challenges`, its selection names who answers challenges.
 */
function definition(challenges: boolean): ProcedureDefinition {
  const text = edited(MINIMAL_PROCEDURE, [
    [
      'steps:\n',
      `  - id: awardResult
    kind: awardResult
    title: { zh: 成交结果公告, en: Award result }
    lines:
      - { label: { zh: 成交金额, en: Amount }, value: contract.amount }
steps:
`,
    ],
    ...(challenges ? [['      awards: { minWinners: 1, maxWinners: 2 }\n', `      awards: { minWinners: 1, maxWinners: 2 }\n${CHALLENGES}`] as const] : []),
    ['      start: signContract\n', '      start: publishAward\n'],
    [
      `          role: justice-bureau
          decisions:
            - { outcome: submit, next: payWorkingFunds }
`,
      `          role: justice-bureau
          sla: { within: P30D, escalateTo: finance-bureau }
          decisions:
            - { outcome: submit, next: payWorkingFunds }
        - { id: publishAward, type: publish, notice: awardResult, next: signContract }
`,
    ],
  ]);
  return compiledProcedure(text, 'challenges.yaml');
}

const contextWith = (challenges: boolean): EngineContext => ({ definition: definition(challenges), calendars: [CN_2026], jurisdiction: 'test-county' });

// The result notice is published at 10:00 on Tuesday 29 September 2026 in China.
const PUBLISHED_AT = '2026-09-29T02:00:00.000Z';

const staffOf = (vendorId: string): Actor => ({ userId: `staff.${vendorId}`, name: `${vendorId} 员工`, roles: ['vendor'], jurisdiction: 'test-county', vendorId });
const bid = (vendorId: string, priceFen: number) => ({ bidId: `bid-${vendorId}`, vendorId, vendorName: `机构 ${vendorId}`, priceFen, qualified: true, submittedAt: '2026-09-10T02:00:00.000Z' });

/** A cycle whose own steps are over (awarded to vendor-1 over vendor-2), waiting for its contract. */
function awardedCycle(events: Record<string, string> = { 'notice:awardResult': PUBLISHED_AT }): EngineState {
  return {
    scope: 'cycle',
    status: 'completed',
    stepIndex: 2,
    nodeId: null,
    values: { inputs: {}, derived: {}, forms: {} },
    tasks: [],
    visits: {},
    deciders: {},
    succeeded: ['award'],
    bids: [bid('vendor-1', 900_000), bid('vendor-2', 950_000)],
    biddingOpen: false,
    winners: [{ bidId: 'bid-vendor-1', vendorId: 'vendor-1', vendorName: '机构 vendor-1', amountFen: 900_000, score: 90 }],
    ledgerLines: {},
    paidTranches: [],
    paidFen: 0,
    events,
    seq: 40,
  };
}

function challenge(at: string, actor: Actor = staffOf('vendor-2'), affectsResult = true): EngineEvent {
  return { type: 'challengeFiled', at, actor, challengeId: 'challenge-1', grounds: '评审未按公告的评分标准进行', affectsResult };
}

function refusal(decision: Decision): { code: string; message: string; field?: string } {
  if (decision.ok) throw new Error('expected a refusal');
  return decision;
}

function accepted(decision: Decision): Extract<Decision, { ok: true }> {
  if (!decision.ok) throw new Error(`refused (${decision.code}): ${decision.message}`);
  return decision;
}

// Filed at 09:00 on Thursday 8 October 2026 in China, the first working day after the National Day holiday.
const FILED_AT = '2026-10-08T01:00:00.000Z';

describe('filing a challenge (质疑) against the result', () => {
  it('is refused by a procedure that names no one to answer challenges, and accepted by the same one that does', () => {
    expect(refusal(decide(contextWith(false), awardedCycle(), challenge(FILED_AT)))).toMatchObject({ code: 'conflict', message: expect.stringContaining('provides no challenges') });
    expect(decide(contextWith(true), awardedCycle(), challenge(FILED_AT)).ok).toBe(true);
  });

  it('is open only to the staff of a vendor that bid', () => {
    const context = contextWith(true);
    expect(refusal(decide(context, awardedCycle(), challenge(FILED_AT, staffOf('vendor-9'))))).toMatchObject({ code: 'forbidden', message: expect.stringContaining('vendor that bid') });
    expect(refusal(decide(context, awardedCycle(), challenge(FILED_AT, actorFor('justice-bureau', 'test-county'))))).toMatchObject({ code: 'forbidden' });
  });

  it('opens when the result notice is published, not before', () => {
    expect(refusal(decide(contextWith(true), awardedCycle({}), challenge(FILED_AT)))).toMatchObject({ code: 'conflict', message: expect.stringContaining('has not happened yet') });
  });

  it('closes 7 working days after the result notice, counted across the National Day holiday and its make-up Saturday', () => {
    // Published Tue 29 Sep 2026. Working days (cn-2026.yaml): Wed 30 Sep = 1; Thu 1 – Wed 7 Oct holiday;
    // Thu 8 Oct = 2; Fri 9 = 3; Sat 10 Oct (make-up working day) = 4; Sun 11 rest; Mon 12 = 5; Tue 13 = 6;
    // Wed 14 = 7. Open until the end of Wednesday 14 October in China: 2026-10-14T15:59:59.999Z.
    const context = contextWith(true);
    expect(decide(context, awardedCycle(), challenge('2026-10-14T15:59:59.999Z')).ok).toBe(true);
    expect(refusal(decide(context, awardedCycle(), challenge('2026-10-14T16:00:00.000Z')))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('open until 2026-10-14T15:59:59.999Z'),
    });
  });

  it('needs written grounds', () => {
    const event = { ...challenge(FILED_AT), grounds: '  ' } as EngineEvent;
    expect(refusal(decide(contextWith(true), awardedCycle(), event))).toMatchObject({ code: 'invalid', field: 'grounds' });
  });

  it('opens a task for the role the definition names, due 7 working days after the filing, and asks the contracts to suspend signing', () => {
    // Filed Thu 8 Oct 2026. Fri 9 = 1; Sat 10 (make-up) = 2; Mon 12 = 3; Tue 13 = 4; Wed 14 = 5; Thu 15 = 6;
    // Fri 16 = 7. Due at the end of Friday 16 October in China: 2026-10-16T15:59:59.999Z.
    const filed = accepted(decide(contextWith(true), awardedCycle(), challenge(FILED_AT)));
    expect(filed.state.tasks).toEqual([
      expect.objectContaining({
        id: 'challenge-1#1',
        kind: 'challengeAnswer',
        role: 'justice-bureau',
        status: 'open',
        dueAt: '2026-10-16T15:59:59.999Z',
        escalateTo: 'finance-bureau',
        dueAfter: 'challenge:challenge-1',
      }),
    ]);
    expect(filed.state.challenges).toEqual([expect.objectContaining({ challengeId: 'challenge-1', vendorId: 'vendor-2', status: 'open', affectsResult: true, answerDueAt: '2026-10-16T15:59:59.999Z' })]);
    expect(filed.commands).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'challengeRecorded' }),
        expect.objectContaining({ type: 'startTimer', timerId: 'sla:challenge-1#1', until: '2026-10-16T15:59:59.999Z' }),
        expect.objectContaining({ type: 'signContracts', challengeId: 'challenge-1', change: 'suspend' }),
      ]),
    );
  });

  it('that the filer says cannot affect the result leaves signing alone', () => {
    const filed = accepted(decide(contextWith(true), awardedCycle(), challenge(FILED_AT, staffOf('vendor-2'), false)));
    expect(filed.commands.filter((command) => command.type === 'signContracts')).toEqual([]);
  });
});

describe('answering a challenge', () => {
  const filedCycle = () => accepted(decide(contextWith(true), awardedCycle(), challenge(FILED_AT))).state;
  const answer = (actor: Actor, fields: Record<string, string>): EngineEvent => ({ type: 'taskDecided', at: '2026-10-12T02:00:00.000Z', taskId: 'challenge-1#1', outcome: 'submit', actor, fields });

  it('is for the named role, not for the filer', () => {
    const refused = refusal(decide(contextWith(true), filedCycle(), answer(staffOf('vendor-2'), { finding: 'dismissed', reasons: '理由' })));
    expect(refused.code).toBe('forbidden');
  });

  it('needs a finding and reasons', () => {
    expect(refusal(decide(contextWith(true), filedCycle(), answer(actorFor('justice-bureau', 'test-county'), { finding: 'dismissed' })))).toMatchObject({ code: 'invalid', field: 'fields.reasons' });
    expect(refusal(decide(contextWith(true), filedCycle(), answer(actorFor('justice-bureau', 'test-county'), { finding: 'maybe', reasons: '理由' })))).toMatchObject({ code: 'invalid', field: 'fields.finding' });
  });

  it('dismissed, is recorded with its reasons and lets signing resume', () => {
    const answered = accepted(decide(contextWith(true), filedCycle(), answer(actorFor('justice-bureau', 'test-county'), { finding: 'dismissed', reasons: '评审符合公告标准' })));
    expect(answered.state.challenges?.[0]).toMatchObject({ status: 'dismissed', reasons: '评审符合公告标准', answeredAt: '2026-10-12T02:00:00.000Z', answeredBy: 'first.justice-bureau' });
    expect(answered.commands).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'cancelTimer', timerId: 'sla:challenge-1#1' }),
        expect.objectContaining({ type: 'challengeRecorded', challenge: expect.objectContaining({ status: 'dismissed' }) }),
        expect.objectContaining({ type: 'signContracts', change: 'resume' }),
      ]),
    );
  });

  it('upheld, voids the signing', () => {
    const answered = accepted(decide(contextWith(true), filedCycle(), answer(actorFor('justice-bureau', 'test-county'), { finding: 'upheld', reasons: '评分有误' })));
    expect(answered.commands).toContainEqual(expect.objectContaining({ type: 'signContracts', change: 'void', reason: expect.stringContaining('评分有误') }));
  });

  it('missed, escalates to the named role and stays in the audit trail, though the cycle is only waiting for its contracts', () => {
    const overdue = accepted(decide(contextWith(true), filedCycle(), { type: 'timerFired', at: '2026-10-16T15:59:59.999Z', timerId: 'sla:challenge-1#1' }));
    expect(overdue.state.tasks[0]).toMatchObject({ escalatedTo: ['finance-bureau'] });
    expect(overdue.commands).toContainEqual(expect.objectContaining({ type: 'taskOverdue', dueAt: '2026-10-16T15:59:59.999Z', dueAfter: 'challenge:challenge-1' }));
  });
});

describe("a contract's signing while a challenge is open", () => {
  /** The contract starts at 10:00 on Tue 29 Sep 2026 (China) and publishes the result at once: signing is due in 30 days. */
  function contract(): ProcedureDriver {
    return new ProcedureDriver(contextWith(true), PUBLISHED_AT).start({
      scope: 'contract',
      cycleValues: { inputs: {}, derived: {}, forms: {}, budget: { total: 900_000, workingFunds: 450_000, activityFunds: 450_000 } },
      winner: { vendorId: 'vendor-1', vendorName: '机构 vendor-1', amountFen: 900_000 },
    });
  }
  const sign = (at: string): EngineEvent => ({ type: 'taskDecided', at, taskId: 'signContract#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: {} });
  const change = (at: string, change: 'suspend' | 'resume' | 'void'): EngineEvent => ({ type: 'signingChanged', at, challengeId: 'challenge-1', change, reason: 'challenge-1' });

  it('cannot be decided, and its clock stops; answered, the clock runs on with the time it had', () => {
    const driver = contract();
    // P30D from Tue 29 Sep 2026: due at the end of Thu 29 Oct in China, 2026-10-29T15:59:59.999Z.
    expect(driver.openTasks()[0]).toMatchObject({ id: 'signContract#1', dueAt: '2026-10-29T15:59:59.999Z' });
    driver.apply(change(FILED_AT, 'suspend'));
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'cancelTimer', timerId: 'sla:signContract#1' }));
    expect(driver.openTasks()[0]?.dueAt).toBeUndefined();
    expect(refusal(decide(driver.context, driver.state, sign('2026-10-09T02:00:00.000Z')))).toMatchObject({ code: 'conflict', message: expect.stringContaining('challenge-1') });

    // Suspended Thu 8 Oct 01:00Z, resumed Mon 12 Oct 02:00Z: 4 days 1 hour later. The remaining time
    // (2026-10-29T15:59:59.999Z − 2026-10-08T01:00Z) now runs from the resumption:
    // 2026-10-29T15:59:59.999Z + 4 d 1 h = 2026-11-02T16:59:59.999Z.
    driver.now = '2026-10-12T02:00:00.000Z';
    driver.apply(change(driver.now, 'resume'));
    expect(driver.openTasks()[0]).toMatchObject({ id: 'signContract#1', dueAt: '2026-11-02T16:59:59.999Z' });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'startTimer', timerId: 'sla:signContract#1', until: '2026-11-02T16:59:59.999Z' }));
    driver.apply(sign('2026-10-12T03:00:00.000Z'));
    expect(driver.state.succeeded).toContain('signContract');
  });

  it('ends the contract when the challenge is upheld', () => {
    const driver = contract();
    driver.apply(change(FILED_AT, 'suspend'));
    driver.apply(change('2026-10-12T02:00:00.000Z', 'void'));
    expect(driver.state.status).toBe('terminated');
    expect(driver.openTasks()).toEqual([]);
  });

  it('after signing, a challenge holds nothing in a contract workflow from before performance was held', () => {
    const driver = contract();
    driver.apply(sign('2026-10-08T00:00:00.000Z'));
    driver.apply(change(FILED_AT, 'suspend'));
    expect(driver.state.signingHold).toBeUndefined();
  });
});

describe("a signed contract's performance while a challenge is open (Implementing Regulations art. 54)", () => {
  /** The contract of the block above, signed at 08:00 on Thu 8 Oct 2026 in China: its working funds are paid and its first month's ledger is open. */
  function signedContract(): ProcedureDriver {
    const driver = new ProcedureDriver(contextWith(true), PUBLISHED_AT).start({
      scope: 'contract',
      cycleValues: { inputs: {}, derived: {}, forms: {}, budget: { total: 900_000, workingFunds: 450_000, activityFunds: 450_000 } },
      winner: { vendorId: 'vendor-1', vendorName: '机构 vendor-1', amountFen: 900_000 },
    });
    driver.now = SIGNED_AT;
    driver.apply({ type: 'taskDecided', at: SIGNED_AT, taskId: 'signContract#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: {} });
    return driver;
  }
  const SIGNED_AT = '2026-10-08T00:00:00.000Z';
  const SUBMIT_1 = 'periods#1.p1.submit.1';
  /** The timers pending in the driver's contract, as its host keeps them (id → instant). */
  const pendingTimers = (driver: ProcedureDriver): Record<string, string> => {
    const timers: Record<string, string> = {};
    for (const command of driver.commands) {
      if (command.type === 'startTimer') timers[command.timerId] = command.until;
      if (command.type === 'cancelTimer') delete timers[command.timerId];
    }
    return timers;
  };
  const change = (driver: ProcedureDriver, at: string, change: 'suspend' | 'resume' | 'void', holdsPerformance = true): EngineEvent => ({
    type: 'signingChanged',
    at,
    challengeId: 'challenge-1',
    change,
    reason: 'challenge-1',
    ...(holdsPerformance ? { holdsPerformance: { timers: pendingTimers(driver) } } : {}),
  });
  const ledger = (at: string): EngineEvent => ({ type: 'taskDecided', at, taskId: SUBMIT_1, outcome: 'submit', actor: staffOf('vendor-1'), fields: {}, payload: { kind: 'ledger', lines: { activitySpendFen: 10_000 } } });

  it('refuses its tasks naming the challenge, stops their clocks, releases nothing, and runs on with the time each had once answered', () => {
    const driver = signedContract();
    // Signed: the working funds (450 000 fen) are paid and the first month's ledger is open, due by the end
    // of 25 October in China (month 1 runs from 8 Oct): 2026-10-25T15:59:59.999Z.
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'instructPayment', trancheId: 'workingFunds', amountFen: 450_000 }));
    expect(driver.openTasks()).toEqual([expect.objectContaining({ id: SUBMIT_1, kind: 'ledgerSubmission', dueAt: '2026-10-25T15:59:59.999Z' })]);

    const before = driver.commands.length;
    driver.now = FILED_AT;
    driver.apply(change(driver, FILED_AT, 'suspend'));
    expect(driver.state.performanceHold).toMatchObject({ challengeIds: ['challenge-1'], since: FILED_AT });
    expect(driver.openTasks()[0]?.dueAt).toBeUndefined();
    expect(driver.commands.slice(before)).toContainEqual(expect.objectContaining({ type: 'signingChanged', change: 'suspend', held: 'performance', challengeId: 'challenge-1' }));
    // The vendor's ledger is refused 409 naming the challenge; nothing is paid while it is held.
    expect(refusal(decide(driver.context, driver.state, ledger('2026-10-09T02:00:00.000Z')))).toMatchObject({ code: 'conflict', message: expect.stringContaining('challenge-1') });
    expect(driver.commands.slice(before).filter((c) => c.type === 'instructPayment')).toEqual([]);

    // Suspended Thu 8 Oct 01:00Z, resumed Mon 12 Oct 02:00Z: 4 days 1 hour later, so the ledger is due
    // 4 d 1 h after it was: 2026-10-25T15:59:59.999Z + 4 d 1 h = 2026-10-29T16:59:59.999Z.
    driver.now = '2026-10-12T02:00:00.000Z';
    driver.apply(change(driver, driver.now, 'resume'));
    expect(driver.state.performanceHold).toBeUndefined();
    expect(driver.openTasks()).toEqual([expect.objectContaining({ id: SUBMIT_1, dueAt: '2026-10-29T16:59:59.999Z' })]);
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'signingChanged', change: 'resume', held: 'performance' }));
    driver.apply(ledger('2026-10-12T03:00:00.000Z'));
    expect(driver.openTasks()[0]).toMatchObject({ kind: 'ledgerConfirmation' });
  });

  it('stops the timer of its next ledger period and restarts it with the time it had', () => {
    const driver = signedContract();
    driver.apply(ledger('2026-10-08T00:10:00.000Z'));
    driver.apply({ type: 'taskDecided', at: '2026-10-08T00:20:00.000Z', taskId: 'periods#1.p1.confirm.1', outcome: 'approve', actor: actorFor('judicial-office', 'test-county'), fields: {} });
    // Month 2 begins a month after 8 Oct, at the start of 8 November in China: 2026-11-07T16:00:00.000Z.
    expect(driver.openTasks()).toEqual([]);
    expect(pendingTimers(driver)).toEqual({ 'ledger:2': '2026-11-07T16:00:00.000Z' });
    driver.apply(change(driver, FILED_AT, 'suspend'));
    expect(pendingTimers(driver)).toEqual({});
    // Resumed 4 d 1 h after the suspension: 2026-11-07T16:00Z + 4 d 1 h = 2026-11-11T17:00:00.000Z.
    driver.apply(change(driver, '2026-10-12T02:00:00.000Z', 'resume'));
    expect(pendingTimers(driver)).toEqual({ 'ledger:2': '2026-11-11T17:00:00.000Z' });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'startTimer', timerId: 'ledger:2', until: '2026-11-11T17:00:00.000Z', purpose: 'ledgerPeriod' }));
  });

  it('stays held until the last such challenge is answered', () => {
    const driver = signedContract();
    driver.apply(change(driver, FILED_AT, 'suspend'));
    driver.apply({ ...change(driver, FILED_AT, 'suspend'), challengeId: 'challenge-2' } as EngineEvent);
    driver.apply(change(driver, '2026-10-12T02:00:00.000Z', 'resume'));
    expect(driver.state.performanceHold?.challengeIds).toEqual(['challenge-2']);
    expect(refusal(decide(driver.context, driver.state, ledger('2026-10-12T03:00:00.000Z'))).message).toContain('challenge-2');
  });

  it('ends terminated when the challenge is upheld, its open tasks withdrawn and nothing more paid', () => {
    const driver = signedContract();
    driver.apply(change(driver, FILED_AT, 'suspend'));
    const before = driver.commands.length;
    driver.apply(change(driver, '2026-10-12T02:00:00.000Z', 'void'));
    expect(driver.state.status).toBe('terminated');
    expect(driver.state.endReason).toBe('challenge-1');
    expect(driver.openTasks()).toEqual([]);
    expect(pendingTimers(driver)).toEqual({});
    expect(driver.commands.slice(before).map((c) => c.type)).not.toContain('instructPayment');
    expect(driver.commands.slice(before)).toContainEqual(expect.objectContaining({ type: 'signingChanged', change: 'void', held: 'performance' }));
  });

  it('is not held, nor ended by an upheld challenge, that it was never told to suspend for', () => {
    const driver = signedContract();
    driver.apply(change(driver, '2026-10-12T02:00:00.000Z', 'void'));
    expect(driver.state.status).toBe('running');
  });

  it('runs on in a contract workflow from before performance was held', () => {
    const driver = signedContract();
    driver.apply(change(driver, FILED_AT, 'suspend', false));
    expect(driver.state.performanceHold).toBeUndefined();
    expect(decide(driver.context, driver.state, ledger('2026-10-09T02:00:00.000Z')).ok).toBe(true);
  });
});
