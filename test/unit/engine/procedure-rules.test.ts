import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { cancelAwardedCycle } from '../../../workflows/engine/interpreter.js';
import type { Actor, EngineContext } from '../../../workflows/engine/types.js';
import { actorFor, formFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const calendars = [load<CalendarDefinition>('definitions/calendars/cn-2026.yaml')];
const deqing = load<ProcedureDefinition>('definitions/procedures/deqing-community-correction.yaml');
const context: EngineContext = { definition: deqing, calendars, jurisdiction: 'zj-deqing' };

function launched(): ProcedureDriver {
  return new ProcedureDriver(context).start({ scope: 'cycle', inputs: {} });
}

const decideEvent = (driver: ProcedureDriver, taskId: string, actor: Actor, outcome: 'submit' | 'approve' | 'return' | 'reject', comment?: string) => {
  const task = driver.state.tasks.find((t) => t.id === taskId);
  const fields = task && (outcome === 'submit' || outcome === 'approve') ? driver.happyDecision(task).fields : {};
  return { type: 'taskDecided' as const, at: driver.now, taskId, outcome, actor, fields, ...(comment ? { comment } : {}) };
};

describe('the interpreter enforces the rules of a procedure (Deqing)', () => {
  it('computes the per-capita budget in fen and splits it exactly', () => {
    const driver = launched();
    driver.decideHappily(driver.openTasks()[0]!);
    driver.decideHappily(driver.openTasks()[0]!);
    // 10 persons (the planner's value) × 100 000 fen a year × 12 / 12 months = 1 000 000 fen, half of it
    // working funds (50 %), the rest activity funds.
    expect(driver.state.values.forms['draftBudget']!['supervisedPersons']).toBe(10);
    expect(driver.state.values.budget).toEqual({ total: 1_000_000, workingFunds: 500_000, activityFunds: 500_000 });
  });

  it('refuses inputs that break their declarations, naming the field', () => {
    const driver = new ProcedureDriver(context);
    expect(() => driver.start({ scope: 'cycle', inputs: { contractMonths: 0 } })).toThrow(/inputs\.contractMonths must be at least 1/);
    expect(() => driver.start({ scope: 'cycle', inputs: { pricePerPersonYear: 99.5 } })).toThrow(/inputs\.pricePerPersonYear must be a whole number of fen/);
    expect(() => driver.start({ scope: 'cycle', inputs: { bonus: 5 } })).toThrow(/inputs\.bonus is not a field here/);
  });

  it('lets only the task’s role, in the cycle’s jurisdiction, decide', () => {
    const driver = launched();
    const draft = driver.openTasks()[0]!;
    expect(driver.attempt(decideEvent(driver, draft.id, actorFor('finance-bureau', 'zj-deqing'), 'submit'))).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringContaining('is for role "justice-bureau"') });
    expect(driver.attempt(decideEvent(driver, draft.id, actorFor('justice-bureau', 'fj-xiamen'), 'submit'))).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringContaining('jurisdiction "zj-deqing"') });
  });

  it('keeps four eyes: whoever drafted the budget may not confirm it', () => {
    const driver = launched();
    const drafter: Actor = { userId: 'wang.fang', name: '王芳', roles: ['justice-bureau', 'finance-bureau'], jurisdiction: 'zj-deqing' };
    driver.apply(decideEvent(driver, driver.openTasks()[0]!.id, drafter, 'submit'));
    const confirm = driver.openTasks()[0]!;
    expect(driver.attempt(decideEvent(driver, confirm.id, drafter, 'approve'))).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringContaining('four-eyes') });
    expect(driver.attempt(decideEvent(driver, confirm.id, actorFor('finance-bureau', 'zj-deqing'), 'approve'))).toMatchObject({ ok: true });
  });

  it('has one effect for a decision made twice: the second is a conflict', () => {
    const driver = launched();
    const draft = driver.openTasks()[0]!;
    driver.apply(decideEvent(driver, draft.id, actorFor('justice-bureau', 'zj-deqing'), 'submit'));
    expect(driver.attempt(decideEvent(driver, draft.id, actorFor('justice-bureau', 'zj-deqing'), 'submit'))).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('no longer open') });
  });

  it('loops back for revision on return, which needs a reason', () => {
    const driver = launched();
    driver.decideHappily(driver.openTasks()[0]!);
    const confirm = driver.openTasks()[0]!;
    const finance = actorFor('finance-bureau', 'zj-deqing');
    expect(driver.attempt(decideEvent(driver, confirm.id, finance, 'return'))).toMatchObject({ ok: false, code: 'invalid', field: 'comment' });
    driver.apply(decideEvent(driver, confirm.id, finance, 'return', '人数与矫正系统不符，请核实'));
    expect(driver.openTasks().map((t) => t.id)).toEqual(['draftBudget#2']);
  });

  it('refuses a form with a missing required field, naming it', () => {
    const driver = launched();
    const draft = driver.openTasks()[0]!;
    const event = { ...decideEvent(driver, draft.id, actorFor('justice-bureau', 'zj-deqing'), 'submit'), fields: {} };
    expect(driver.attempt(event)).toMatchObject({ ok: false, code: 'invalid', field: 'fields.supervisedPersons' });
  });

  it('ends the cycle when too few bidders come in every round the definition allows', () => {
    const driver = launched();
    while (!driver.state.biddingOpen) {
      const task = driver.openTasks()[0];
      if (task) driver.decideHappily(task);
      else driver.fireNextTimer();
    }
    for (let round = 0; round < 20 && driver.state.status === 'running'; round++) {
      if (driver.state.biddingOpen && driver.state.bids.length === 0) driver.submitBids(1);
      const task = driver.openTasks()[0];
      // After a failed round the justice bureau sends the procurement back to be tendered again.
      if (task?.nodeId === 'failedProcurement') driver.apply(decideEvent(driver, task.id, actorFor('justice-bureau', 'zj-deqing'), 'return', '投标人不足，重新组织采购'));
      else if (task) driver.decideHappily(task);
      else driver.fireNextTimer();
    }
    expect(driver.state.status).toBe('terminated');
    expect(driver.state.endReason).toMatch(/too few bidders/);
    expect(driver.commands.filter((c) => c.type === 'biddingClosed').every((c) => c.type === 'biddingClosed' && !c.enough)).toBe(true);
  });

  it('refuses a bid from a vendor that is not qualified', () => {
    const driver = launched();
    while (!driver.state.biddingOpen) {
      const task = driver.openTasks()[0];
      if (task) driver.decideHappily(task);
      else driver.fireNextTimer();
    }
    const bid = { bidId: 'b-x', vendorId: 'v-x', vendorName: '未审核机构', priceFen: 100, qualified: false, submittedAt: driver.now };
    expect(driver.attempt({ type: 'bidSubmitted', at: driver.now, bid, actor: actorFor('procurement-centre', 'zj-deqing') })).toMatchObject({ ok: false, code: 'invalid', field: 'vendorId' });
  });

  it('is cancelled by an administrator with a reason, withdrawing its open tasks', () => {
    const driver = launched();
    const admin: Actor = { userId: 'admin', name: '管理员', roles: ['administrator'], jurisdiction: 'zj-deqing' };
    expect(driver.attempt({ type: 'cancel', at: driver.now, actor: actorFor('finance-bureau', 'zj-deqing'), reason: 'x' })).toMatchObject({ ok: false, code: 'forbidden' });
    driver.apply({ type: 'cancel', at: driver.now, actor: admin, reason: '上级政策调整，本年度暂停购买' });
    expect(driver.state.status).toBe('cancelled');
    expect(driver.openTasks()).toEqual([]);
    expect(driver.commands.at(-1)).toMatchObject({ type: 'ended', status: 'cancelled', reason: '上级政策调整，本年度暂停购买' });
    expect(driver.attempt(decideEvent(driver, 'draftBudget#1', actorFor('justice-bureau', 'zj-deqing'), 'submit'))).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('refuses to approve a budget whose components do not add up to its total', () => {
    const unbalanced = JSON.parse(JSON.stringify(deqing)) as ProcedureDefinition;
    const budgeting = unbalanced.steps[0];
    if (budgeting?.kind !== 'budgeting') throw new Error('first step is not budgeting');
    budgeting.budget.components[0]!.amount = `${budgeting.budget.components[0]!.amount} + 1`;
    const driver = new ProcedureDriver({ ...context, definition: unbalanced }).start({ scope: 'cycle', inputs: formFor(unbalanced.inputs) });
    driver.decideHappily(driver.openTasks()[0]!);
    const confirm = driver.openTasks()[0]!;
    expect(driver.attempt(decideEvent(driver, confirm.id, actorFor('finance-bureau', 'zj-deqing'), 'approve'))).toMatchObject({
      ok: false,
      code: 'invalid',
      message: expect.stringContaining('budget components add up to'),
    });
    expect(driver.openTasks().map((t) => t.id)).toEqual([confirm.id]);
  });

  /**
   * One contract of a happy cycle at the defaults (10 persons × 100 000 fen: budget 1 000 000, working
   * funds 500 000, activity funds 500 000), awarded 400 000 fen, run to its end with every evaluation
   * indicator the evaluator scores scored `score`, no shortfall in any month (so each compliance KPI is
   * 100 and the computed completion (100 + 100 + 100) / 3 = 100), and `spentPerMonth` of activity funds
   * spent in each of its 12 months.
   */
  const contractRun = (score: number, spentPerMonth: number) => {
    const cycle = launched().runToEnd();
    expect(cycle.state.values.budget).toEqual({ total: 1_000_000, workingFunds: 500_000, activityFunds: 500_000 });
    const winner = { bidId: 'bid-1', vendorId: 'vendor-1', vendorName: '承接机构1', amountFen: 400_000, score: 90 };
    const contract = new ProcedureDriver(context, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner });
    for (let step = 0; step < 500 && contract.state.status === 'running'; step++) {
      const task = contract.openTasks()[0];
      const actor = task && actorFor(task.role, 'zj-deqing');
      if (task?.kind === 'evaluation') {
        const scores = Object.fromEntries(['goalSetting', 'organisationalManagement', 'benefit', 'fundUse', 'financialManagement'].map((id) => [id, score]));
        contract.apply({ type: 'taskDecided', at: contract.now, taskId: task.id, outcome: 'approve', actor: actor!, fields: {}, payload: { kind: 'evaluation', scores } });
      } else if (task?.kind === 'ledgerSubmission') {
        const planned = contract.happyDecision(task);
        const lines = { ...(planned.payload?.kind === 'ledger' ? planned.payload.lines : {}), activityFundsSpent: spentPerMonth };
        // The contract has no cases: the lines compiled from case evidence hold 0.
        contract.apply({ type: 'taskDecided', at: contract.now, taskId: task.id, outcome: 'submit', actor: actor!, fields: {}, payload: { kind: 'ledger', lines }, ...contract.caseEvidenceFor(task) });
      } else if (task) contract.decideHappily(task);
      else contract.fireNextTimer();
    }
    expect(contract.state.status).toBe('completed');
    return contract.commands.flatMap((c) => (c.type === 'instructPayment' ? [[c.trancheId, c.amountFen]] : []));
  };

  it('pays working funds at signing and activity funds scaled by the evaluation, capped by actual spend', () => {
    // Working funds ⌊500 000 × 400 000 / 1 000 000⌋ = 200 000; activity funds likewise 200 000.
    // Scores 90 and completion 100: (10×90 + 30×100 + 15×90 + 15×90 + 20×90 + 10×90) / 100 = 9300 / 100 = 93;
    // 200 000 × 93 / 100 = 186 000; spent 12 × 10 000 = 120 000 is less, so the cap applies.
    expect(contractRun(90, 10_000)).toEqual([
      ['workingFunds', 200_000],
      ['activityFunds', 120_000],
    ]);
    // Scores 75 and completion 100: (10×75 + 30×100 + 15×75 + 15×75 + 20×75 + 10×75) / 100 = 8250 / 100 = 82;
    // 200 000 × 82 / 100 = 164 000; spent 12 × 20 000 = 240 000 is more, so the score applies.
    expect(contractRun(75, 20_000)).toEqual([
      ['workingFunds', 200_000],
      ['activityFunds', 164_000],
    ]);
  });
});

describe('a tranche that comes to nothing', () => {
  it('is settled without a payment instruction (the treasury pays no zero amounts)', () => {
    const cycle = launched().runToEnd();
    const start = cycle.commands.find((c) => c.type === 'startContracts');
    if (start?.type !== 'startContracts') throw new Error('no contracts');
    // Deqing as if completion were scored by the evaluator too, so that every indicator can be 0.
    const typedCompletion = JSON.parse(JSON.stringify(deqing)) as ProcedureDefinition;
    for (const step of typedCompletion.steps) if (step.kind === 'performanceManagement') for (const indicator of step.performance.evaluation.indicators) delete indicator.score;
    const contract = new ProcedureDriver({ ...context, definition: typedCompletion }, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0]! });
    // The evaluator gives every indicator 0: activity funds scale to 0 fen.
    for (let step = 0; step < 500 && contract.state.status === 'running'; step++) {
      const task = contract.openTasks()[0];
      if (task?.kind === 'evaluation') {
        const performance = typedCompletion.steps.find((s) => s.kind === 'performanceManagement');
        const indicators = performance?.kind === 'performanceManagement' ? performance.performance.evaluation.indicators : [];
        const scores = Object.fromEntries(indicators.map((indicator) => [indicator.id, 0]));
        contract.apply({ type: 'taskDecided', at: contract.now, taskId: task.id, outcome: 'approve', actor: actorFor(task.role, 'zj-deqing'), fields: {}, payload: { kind: 'evaluation', scores } });
      } else if (task) contract.decideHappily(task);
      else contract.fireNextTimer();
    }
    expect(contract.state.status).not.toBe('running');
    const instructions = contract.commands.filter((c) => c.type === 'instructPayment');
    expect(instructions.length).toBeGreaterThan(0);
    for (const instruction of instructions) expect(instruction.type === 'instructPayment' && instruction.amountFen).toBeGreaterThan(0);
    // Every group scored 0 too: Deqing has business and financial indicators.
    expect(contract.state.values.evaluation).toEqual({ score: 0, passed: false, business: 0, financial: 0 });
  });
});

describe('too few bidders where the definition switches method (Baotou mediation)', () => {
  const baotou = load<ProcedureDefinition>('definitions/procedures/baotou-people-mediation.yaml');
  const baotouContext: EngineContext = { definition: baotou, calendars, jurisdiction: 'nm-baotou' };

  it('allows the next round only under one of the alternative methods, approved by finance', () => {
    const driver = new ProcedureDriver(baotouContext).start({ scope: 'cycle', inputs: formFor(baotou.inputs) });
    const untilBidding = () => {
      while (!driver.state.biddingOpen) {
        const task = driver.openTasks()[0];
        if (task) driver.decideHappily(task);
        else driver.fireNextTimer();
      }
    };
    untilBidding();
    driver.submitBids(1);
    while (!driver.openTasks().some((t) => t.nodeId === 'failedBidding')) driver.fireNextTimer();
    const failed = driver.openTasks().find((t) => t.nodeId === 'failedBidding')!;
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: failed.id, outcome: 'return', actor: actorFor('justice-bureau', 'nm-baotou'), fields: {}, comment: '投标人不足三家，申请变更采购方式' });

    const propose = driver.openTasks().find((t) => t.nodeId === 'proposeMethod')!;
    const { fields } = driver.happyDecision(propose);
    const sameMethod = driver.attempt({ type: 'taskDecided', at: driver.now, taskId: propose.id, outcome: 'submit', actor: actorFor('justice-bureau', 'nm-baotou'), fields: { ...fields, method: 'openTender' } });
    expect(sameMethod).toMatchObject({ ok: false, code: 'invalid', field: 'fields.method', message: expect.stringContaining('competitiveNegotiation, singleSource') });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: propose.id, outcome: 'submit', actor: actorFor('justice-bureau', 'nm-baotou'), fields: { ...fields, method: 'competitiveNegotiation' } });
    untilBidding();
    const rounds = driver.commands.filter((c) => c.type === 'biddingOpened');
    expect(rounds.map((c) => c.type === 'biddingOpened' && [c.round, c.method])).toEqual([
      [1, 'openTender'],
      [2, 'competitiveNegotiation'],
    ]);
    expect(driver.decisions.some((d) => d.task.nodeId === 'approveMethod' && d.task.role === 'finance-bureau')).toBe(true);
  });
});

describe('vendor staff act only for their own organisation (Deqing)', () => {
  const staffOf = (vendorId: string): Actor => ({ userId: `${vendorId}.staff`, name: '机构职员', roles: ['vendor'], jurisdiction: 'zj-deqing', vendorId });
  const biddingOpen = () => {
    const driver = launched();
    while (!driver.state.biddingOpen) {
      const task = driver.openTasks()[0];
      if (task) driver.decideHappily(task);
      else driver.fireNextTimer();
    }
    return driver;
  };
  const bid = (driver: ProcedureDriver, vendorId: string) => ({ bidId: `bid-${vendorId}`, vendorId, vendorName: vendorId, priceFen: 1_000_000, qualified: true, submittedAt: driver.now });

  it('takes a bid of a vendor’s own staff, refuses one in another vendor’s name, and records who entered each', () => {
    const driver = biddingOpen();
    expect(driver.attempt({ type: 'bidSubmitted', at: driver.now, bid: bid(driver, 'vendor-2'), actor: staffOf('vendor-1') })).toMatchObject({ ok: false, code: 'forbidden', field: 'vendorId' });
    expect(driver.attempt({ type: 'bidSubmitted', at: driver.now, bid: bid(driver, 'vendor-1'), actor: actorFor('finance-bureau', 'zj-deqing') })).toMatchObject({ ok: false, code: 'forbidden' });
    driver.apply({ type: 'bidSubmitted', at: driver.now, bid: bid(driver, 'vendor-1'), actor: staffOf('vendor-1') });
    driver.apply({ type: 'bidSubmitted', at: driver.now, bid: bid(driver, 'vendor-2'), actor: actorFor('procurement-centre', 'zj-deqing') });
    expect(driver.state.bids.map((b) => [b.vendorId, b.enteredBy?.role, b.enteredBy?.onBehalf])).toEqual([
      ['vendor-1', 'vendor', false],
      ['vendor-2', 'procurement-centre', true],
    ]);
  });

  it('refuses an award above the winning bid, naming the amount', () => {
    const driver = biddingOpen();
    driver.submitBids(3);
    while (!driver.openTasks().some((t) => t.kind === 'award')) driver.fireNextTimer();
    const award = driver.openTasks().find((t) => t.kind === 'award')!;
    const happy = driver.happyDecision(award);
    if (happy.payload?.kind !== 'award') throw new Error('no award payload');
    const first = happy.payload.winners[0]!;
    const price = driver.state.bids.find((b) => b.bidId === first.bidId)!.priceFen;
    const payload = { ...happy.payload, winners: [{ bidId: first.bidId, amountFen: price + 1 }] };
    expect(driver.attempt({ type: 'taskDecided', at: driver.now, taskId: award.id, outcome: 'approve', actor: actorFor(award.role, 'zj-deqing'), fields: {}, payload })).toMatchObject({
      ok: false,
      code: 'invalid',
      field: 'award.winners.0.amountFen',
    });
  });

  it('lets a vendor’s staff decide tasks of its own contract only, and none of the cycle’s own steps', () => {
    const cycle = launched();
    expect(cycle.attempt(decideEvent(cycle, 'draftBudget#1', { ...staffOf('vendor-1'), roles: ['vendor', 'justice-bureau'] }, 'submit'))).toMatchObject({ ok: false, code: 'forbidden' });
    const awarded = cycle.runToEnd();
    const start = awarded.commands.find((c) => c.type === 'startContracts');
    if (start?.type !== 'startContracts') throw new Error('no contracts');
    const winner = start.winners[0]!;
    const contract = new ProcedureDriver(context, awarded.now).start({ scope: 'contract', cycleValues: awarded.state.values, winner });
    while (!contract.openTasks().some((t) => t.role === 'vendor')) {
      const task = contract.openTasks()[0];
      if (task) contract.decideHappily(task);
      else if (!contract.fireNextTimer()) throw new Error('no vendor task ever opens');
    }
    const ledger = contract.openTasks().find((t) => t.role === 'vendor')!;
    const { outcome, fields, payload } = contract.happyDecision(ledger);
    const event = (actor: Actor) => ({ type: 'taskDecided' as const, at: contract.now, taskId: ledger.id, outcome, actor, fields, ...(payload ? { payload } : {}) });
    expect(contract.attempt(event(staffOf('another-vendor')))).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringContaining('not for your organisation') });
    expect(contract.attempt(event(staffOf(winner.vendorId)))).toMatchObject({ ok: true });
  });
});

describe('cancelling a cycle whose contracts run', () => {
  it('follows the rules of any cancellation and records who cancelled, with the request', () => {
    const awarded = launched().runToEnd();
    expect(awarded.state.status).toBe('completed');
    const admin: Actor = { userId: 'admin', name: '管理员', roles: ['administrator'], jurisdiction: 'zj-deqing' };
    const cancel = (actor: Actor, reason: string) => cancelAwardedCycle(context, awarded.state, { type: 'cancel', at: awarded.now, actor, reason, requestId: 'r-1' });
    expect(cancel(actorFor('finance-bureau', 'zj-deqing'), '无权取消')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(cancel({ ...admin, jurisdiction: 'zj-anji' }, '越权取消')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(cancel(admin, '  ')).toMatchObject({ ok: false, code: 'invalid', field: 'reason' });
    const accepted = cancel(admin, '合同提前终止');
    expect(accepted).toMatchObject({ ok: true, commands: [{ type: 'cancelled', actor: admin, reason: '合同提前终止', requestId: 'r-1' }] });
    expect(cancelAwardedCycle(context, launched().state, { type: 'cancel', at: awarded.now, actor: admin, reason: 'x' })).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('may be cancelled by ops staff of its jurisdiction or national ones, not by another jurisdiction’s', () => {
    const awarded = launched().runToEnd();
    const ops: Actor = { userId: 'ops', name: '运维', roles: ['ops'], jurisdiction: 'zj-deqing' };
    const cancel = (actor: Actor) => cancelAwardedCycle(context, awarded.state, { type: 'cancel', at: awarded.now, actor, reason: '运维修复', requestId: 'r-2' });
    expect(cancel(ops)).toMatchObject({ ok: true, commands: [{ type: 'cancelled', actor: ops }] });
    expect(cancel({ ...ops, jurisdiction: 'cn' })).toMatchObject({ ok: true });
    expect(cancel({ ...ops, jurisdiction: 'zj-anji' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(cancel({ ...ops, vendorId: 'v-1' })).toMatchObject({ ok: false, code: 'forbidden' });
  });
});
