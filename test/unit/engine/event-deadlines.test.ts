import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { EngineContext } from '../../../workflows/engine/types.js';
import { CN_2026, compiledProcedure, edited, MINIMAL_PROCEDURE } from '../../support/minimal-procedure.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

const SIGN_THEN_PAY = `          decisions:
            - { outcome: submit, next: payWorkingFunds }
`;

/**
 * The minimal procedure with a contract step that announces the award, signs, then files the contract.
 * `fileContractRule` is the line that gives the filing its deadline (or none).
 */
function definitionWith(fileContractRule: string): ProcedureDefinition {
  const contractStep = edited(MINIMAL_PROCEDURE, [
    ['      start: signContract\n', '      start: announceAward\n'],
    [
      SIGN_THEN_PAY,
      `          decisions:
            - { outcome: submit, next: fileContract }
        - id: announceAward
          type: task
          title: { zh: 公告中标结果, en: Announce the award }
          role: justice-bureau
          due: { after: { node: award }, within: { businessDays: 2 }, escalateTo: finance-bureau }
          decisions:
            - { outcome: submit, next: signContract }
        - id: fileContract
          type: task
          title: { zh: 合同备案, en: File the contract }
          role: finance-bureau
${fileContractRule ? `          ${fileContractRule}\n` : ''}          decisions:
            - { outcome: approve, next: payWorkingFunds }
`,
    ],
  ]);
  return compiledProcedure(contractStep, 'event-deadlines.yaml');
}

const contextWith = (rule: string): EngineContext => ({ definition: definitionWith(rule), calendars: [CN_2026], jurisdiction: 'test-county' });

// The cycle confirmed its winner at 10:00 on Tuesday 29 September 2026 in China; the contract starts an hour later.
const AWARDED_AT = '2026-09-29T02:00:00.000Z';

function startContract(context: EngineContext): ProcedureDriver {
  return new ProcedureDriver(context, '2026-09-29T03:00:00.000Z').start({
    scope: 'contract',
    cycleValues: { inputs: {}, derived: {}, forms: {}, budget: { total: 2_000_000, workingFunds: 1_000_000, activityFunds: 1_000_000 } },
    winner: { vendorId: 'vendor-1', vendorName: '测试社工机构', amountFen: 2_000_000 },
    cycleEvents: { 'node:award': AWARDED_AT },
  });
}

/** Announces at 12:00 and signs at 14:00 on Tuesday 29 September 2026, China time. */
function signed(context: EngineContext): ProcedureDriver {
  const driver = startContract(context);
  driver.now = '2026-09-29T04:00:00.000Z';
  driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'announceAward#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: {} });
  driver.now = '2026-09-29T06:00:00.000Z';
  driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'signContract#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: {} });
  return driver;
}

const FILING_DUE = 'due: { after: { node: signContract }, within: { businessDays: 7 }, escalateTo: justice-bureau }';

describe('a deadline counted from an event of the procedure', () => {
  it("counts a contract task's deadline from the cycle's event that preceded the contract", () => {
    // Award confirmed Tue 29 Sep 2026. Working days (cn-2026.yaml): Wed 30 Sep = 1; 1–7 Oct National Day;
    // Thu 8 Oct = 2. Due at the end of 8 October in China: 2026-10-08T15:59:59.999Z.
    const announce = startContract(contextWith(FILING_DUE)).openTasks().find((task) => task.nodeId === 'announceAward');
    expect(announce).toMatchObject({ dueAt: '2026-10-08T15:59:59.999Z', escalateTo: 'finance-bureau', dueAfter: 'node:award' });
  });

  it('makes the filing due 7 working days after signing, across the National Day holiday and its make-up Saturday', () => {
    // Signed Tue 29 Sep 2026 (China). Wed 30 Sep = 1; Thu 1 – Wed 7 Oct holiday; Thu 8 Oct = 2; Fri 9 = 3;
    // Sat 10 Oct make-up working day = 4; Sun 11 rest; Mon 12 = 5; Tue 13 = 6; Wed 14 = 7.
    // Due at the end of Wednesday 14 October in China (UTC+8): 2026-10-14T15:59:59.999Z.
    const driver = signed(contextWith(FILING_DUE));
    expect(driver.openTasks().find((task) => task.nodeId === 'fileContract')).toMatchObject({
      dueAt: '2026-10-14T15:59:59.999Z',
      escalateTo: 'justice-bureau',
      escalatedTo: [],
      dueAfter: 'node:signContract',
    });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'startTimer', timerId: 'sla:fileContract#1', until: '2026-10-14T15:59:59.999Z' }));
  });

  it('without the deadline, the same filing has no due time and no timer', () => {
    const driver = signed(contextWith(''));
    const filing = driver.openTasks().find((task) => task.nodeId === 'fileContract');
    expect(filing?.dueAt).toBeUndefined();
    expect(driver.pendingTimers()).not.toContain('sla:fileContract#1');
  });

  it('when the filing deadline passes undecided, the task escalates and the miss is recorded for the audit trail', () => {
    const driver = signed(contextWith(FILING_DUE));
    // The announcement was decided, so its timer was cancelled; the next timer is the filing's.
    expect(driver.fireNextTimer()).toBe(true);
    expect(driver.now).toBe('2026-10-14T15:59:59.999Z');
    const filing = driver.openTasks().find((task) => task.nodeId === 'fileContract');
    expect(filing).toMatchObject({ escalatedTo: ['justice-bureau'] });
    const overdue = driver.commands.filter((command) => command.type === 'taskOverdue');
    expect(overdue).toEqual([
      expect.objectContaining({ type: 'taskOverdue', at: '2026-10-14T15:59:59.999Z', dueAt: '2026-10-14T15:59:59.999Z', dueAfter: 'node:signContract', task: expect.objectContaining({ id: 'fileContract#1' }) }),
    ]);
    // Overdue, the filing can still be done, now also by the role it escalated to.
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'fileContract#1', outcome: 'approve', actor: actorFor('justice-bureau', 'test-county', true), fields: {} });
    expect(driver.openTasks().find((task) => task.nodeId === 'fileContract')).toBeUndefined();
  });

  it('a task decided in time leaves no overdue record', () => {
    const driver = signed(contextWith(FILING_DUE));
    driver.now = '2026-10-14T15:59:59.998Z';
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'fileContract#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    expect(driver.commands).toContainEqual(expect.objectContaining({ type: 'cancelTimer', timerId: 'sla:fileContract#1' }));
    expect(driver.commands.filter((command) => command.type === 'taskOverdue')).toEqual([]);
  });

  it('records when each event happened, a contract starting with its cycle\'s', () => {
    const driver = signed(contextWith(FILING_DUE));
    expect(driver.state.events).toMatchObject({ 'node:award': AWARDED_AT, 'node:signContract': '2026-09-29T06:00:00.000Z', 'node:signContract:submit': '2026-09-29T06:00:00.000Z' });
  });
});

describe('a waiting period counted from an event', () => {
  // Signed at 14:00 on Tuesday 29 September 2026 (China). P3D in calendar days: 30 Sep, 1 Oct, 2 Oct;
  // the period has elapsed at the end of 2 October, so the filing may be decided from 00:00 on 3 October
  // in China = 2026-10-02T16:00:00.000Z.
  const waiting = () => signed(contextWith('notBefore: { after: { node: signContract }, elapsed: P3D }'));

  it('refuses a decision before the period has elapsed, saying from when', () => {
    const driver = waiting();
    driver.now = '2026-10-02T15:59:59.999Z';
    const refused = driver.attempt({ type: 'taskDecided', at: driver.now, taskId: 'fileContract#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    expect(refused).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('cannot be decided before 2026-10-02T16:00:00.000Z') });
  });

  it('accepts the decision once it has elapsed', () => {
    const driver = waiting();
    driver.now = '2026-10-02T16:00:00.000Z';
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'fileContract#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    expect(driver.state.tasks.find((task) => task.id === 'fileContract#1')).toMatchObject({ status: 'decided', outcome: 'approve' });
  });

  it('without the waiting period, the same early decision is accepted', () => {
    const driver = signed(contextWith(''));
    driver.now = '2026-09-29T06:00:00.001Z';
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: 'fileContract#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} })).toMatchObject({ ok: true });
  });
});
