import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { Actor, Bid, EngineContext, EngineEvent, TaskPayload } from '../../../workflows/engine/types.js';
import { actorFor, formFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * Procurement methods as the definition states them: the minimum of qualified bids per method (the
 * law's floors by default, a single source with one bid), the invitation list of an invited tender, and
 * the approvals of the method and of its switch, which bidding waits for.
 */

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const calendars = [load<CalendarDefinition>('definitions/calendars/cn-2026.yaml')];
const baotou = load<ProcedureDefinition>('definitions/procedures/baotou-people-mediation.yaml');
const deqing = load<ProcedureDefinition>('definitions/procedures/deqing-community-correction.yaml');
const BAOTOU = 'nm-baotou';
const justice = actorFor('justice-bureau', BAOTOU);
const finance = actorFor('finance-bureau', BAOTOU);

/** A copy of `definition` with its vendor-selection step changed by `change` (not compiled: for what the compiler would refuse). */
function withSelection(definition: ProcedureDefinition, change: (selection: Extract<ProcedureDefinition['steps'][number], { kind: 'vendorSelection' }>) => void): ProcedureDefinition {
  const copy = JSON.parse(JSON.stringify(definition)) as ProcedureDefinition;
  const step = copy.steps.find((s) => s.kind === 'vendorSelection');
  if (step?.kind !== 'vendorSelection') throw new Error('no vendor selection');
  change(step);
  return copy;
}

function launchedAt(definition: ProcedureDefinition, jurisdiction: string): ProcedureDriver {
  const context: EngineContext = { definition, calendars, jurisdiction };
  return new ProcedureDriver(context).start({ scope: 'cycle', inputs: formFor(definition.inputs) });
}

/** Decides every task happily until `nodeId` has an open task (or bidding opens, when `nodeId` is undefined). */
function until(driver: ProcedureDriver, nodeId?: string) {
  for (let step = 0; step < 200; step++) {
    const open = driver.openTasks();
    const found = open.find((t) => t.nodeId === nodeId);
    if (found) return found;
    if (nodeId === undefined && driver.state.biddingOpen) return undefined;
    if (open[0]) driver.decideHappily(open[0]);
    else driver.fireNextTimer();
  }
  throw new Error(`never reached ${nodeId ?? 'bidding'}`);
}

const decision = (driver: ProcedureDriver, taskId: string, actor: Actor, outcome: 'submit' | 'approve' | 'return', extra: { fields?: Record<string, string>; comment?: string; payload?: TaskPayload } = {}): EngineEvent => ({
  type: 'taskDecided',
  at: driver.now,
  taskId,
  outcome,
  actor,
  fields: extra.fields ?? {},
  ...(extra.comment ? { comment: extra.comment } : {}),
  ...(extra.payload ? { payload: extra.payload } : {}),
});

const bidOf = (driver: ProcedureDriver, vendorId: string): EngineEvent => {
  const bid: Bid = { bidId: `bid-${vendorId}-${driver.state.values.selection?.round ?? 0}`, vendorId, vendorName: `承接机构 ${vendorId}`, priceFen: 1_000_000, qualified: true, submittedAt: driver.now };
  return { type: 'bidSubmitted', at: driver.now, bid, actor: actorFor('procurement-centre', driver.context.jurisdiction) };
};

/** Proposes `method` in Baotou's proposeMethod task, with an invitation list when given. */
function propose(driver: ProcedureDriver, method: string, payload?: TaskPayload) {
  const task = until(driver, 'proposeMethod')!;
  const fields = { ...(driver.happyDecision(task).fields as Record<string, string>), method };
  return driver.attempt(decision(driver, task.id, justice, 'submit', { fields, ...(payload ? { payload } : {}) }));
}

const invite = (...vendorIds: string[]): TaskPayload => ({ kind: 'invitations', vendors: vendorIds.map((vendorId) => ({ vendorId, vendorName: `承接机构 ${vendorId}` })) });

/** Runs Baotou's first round (open tender) to too few bids, and returns the proposal of the next one. */
function afterFailedOpenTender(): ProcedureDriver {
  const driver = launchedAt(baotou, BAOTOU);
  until(driver);
  driver.apply(bidOf(driver, 'vendor-1'));
  const failed = until(driver, 'failedBidding')!;
  driver.apply(decision(driver, failed.id, justice, 'return', { comment: '合格供应商不足三家，申请改为单一来源采购' }));
  return driver;
}

describe('minimum bidders per method', () => {
  it('awards a single-source round with its one bid, where one minimum of 3 held the competitive methods (Baotou)', () => {
    const driver = afterFailedOpenTender();
    // Round 1, open tender: 1 qualified bid < 3 → too few (the failedBidding task above).
    expect(driver.commands.filter((c) => c.type === 'biddingClosed').map((c) => c.type === 'biddingClosed' && [c.qualified, c.enough])).toEqual([[1, false]]);
    expect(propose(driver, 'singleSource')).toMatchObject({ ok: true });
    const approve = until(driver, 'approveMethod')!;
    driver.apply(decision(driver, approve.id, finance, 'approve'));
    expect(driver.state.biddingOpen).toBe(true);
    driver.apply(bidOf(driver, 'vendor-7'));
    // A second supplier has no place in a single-source round.
    expect(driver.attempt(bidOf(driver, 'vendor-8'))).toMatchObject({ ok: false, code: 'conflict', field: 'vendorId' });
    const award = until(driver, 'award')!;
    // Round 2, single source: 1 qualified bid ≥ 1 → enough.
    expect(driver.commands.filter((c) => c.type === 'biddingClosed').map((c) => c.type === 'biddingClosed' && [c.qualified, c.enough])).toEqual([
      [1, false],
      [1, true],
    ]);
    driver.decideHappily(award);
    expect(driver.state.winners.map((w) => w.vendorId)).toEqual(['vendor-7']);
  });

  it('takes two bids for competitive consultation and three for an open tender (Deqing: { competitiveConsultation: 2 })', () => {
    const closeWithTwo = (method: string) => {
      const driver = launchedAt(deqing, 'zj-deqing');
      const choose = until(driver, 'determineMethod')!;
      const fields = { ...(driver.happyDecision(choose).fields as Record<string, string>), method };
      driver.apply(decision(driver, choose.id, actorFor('public-resource-office', 'zj-deqing'), 'submit', { fields }));
      driver.apply(bidOf(driver, 'vendor-1'));
      driver.apply(bidOf(driver, 'vendor-2'));
      while (driver.state.biddingOpen) driver.fireNextTimer();
      const closed = driver.commands.find((c) => c.type === 'biddingClosed');
      return closed?.type === 'biddingClosed' ? closed.enough : undefined;
    };
    // 2 qualified bids: ≥ 2 for competitive consultation, < 3 (the default floor) for an open tender.
    expect(closeWithTwo('competitiveConsultation')).toBe(true);
    expect(closeWithTwo('openTender')).toBe(false);
  });
});

describe('invited tender', () => {
  it('needs an invitation list of at least three vendors in the task that decides it', () => {
    const driver = launchedAt(baotou, BAOTOU);
    expect(propose(driver, 'invitedTender')).toMatchObject({ ok: false, code: 'invalid', field: 'payload' });
    expect(propose(driver, 'invitedTender', invite('vendor-1', 'vendor-2'))).toMatchObject({ ok: false, code: 'invalid', field: 'payload.vendorIds', message: expect.stringContaining('at least 3') });
    expect(propose(driver, 'invitedTender', invite('vendor-1', 'vendor-2', 'vendor-1'))).toMatchObject({ ok: false, field: 'payload.vendorIds.2' });
    expect(propose(driver, 'openTender', invite('vendor-1', 'vendor-2', 'vendor-3'))).toMatchObject({ ok: false, code: 'invalid', field: 'payload' });
    expect(propose(driver, 'invitedTender', invite('vendor-1', 'vendor-2', 'vendor-3'))).toMatchObject({ ok: true });
    // The decision records whom it invited, for the audit trail.
    const closed = driver.commands.filter((c) => c.type === 'taskClosed').at(-1);
    expect(closed?.type === 'taskClosed' && closed.fields?.['invitedVendorIds']).toBe('vendor-1,vendor-2,vendor-3');
  });

  it('takes bids only from the invited vendors', () => {
    const driver = launchedAt(baotou, BAOTOU);
    propose(driver, 'invitedTender', invite('vendor-1', 'vendor-2', 'vendor-3'));
    driver.apply(decision(driver, until(driver, 'approveMethod')!.id, finance, 'approve'));
    expect(driver.state.biddingOpen).toBe(true);
    const before = driver.state;
    expect(driver.attempt(bidOf(driver, 'vendor-4'))).toMatchObject({ ok: false, code: 'forbidden', field: 'vendorId', message: expect.stringContaining('not invited') });
    expect(driver.state).toBe(before);
    for (const vendorId of ['vendor-1', 'vendor-2', 'vendor-3']) expect(driver.attempt(bidOf(driver, vendorId))).toMatchObject({ ok: true });
  });

  it('does not open bidding for an invited tender that has no invitation list (a flow the compiler refuses)', () => {
    const unlisted = withSelection(baotou, (step) => {
      delete step.selection.invitations;
    });
    const driver = launchedAt(unlisted, BAOTOU);
    propose(driver, 'invitedTender');
    const approval = driver.attempt(decision(driver, until(driver, 'approveMethod')!.id, finance, 'approve'));
    expect(approval).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('invitation list') });
    expect(driver.state.biddingOpen).toBe(false);
  });
});

describe('approvals drawn in the flow', () => {
  it('opens bidding only after the role named in methods.approvedBy approved the method (a flow the compiler refuses)', () => {
    // The proposal goes straight to bidding: finance (methods.approvedBy) never approves.
    const unapproved = withSelection(baotou, (step) => {
      const proposeNode = step.flow.nodes.find((n) => n.id === 'proposeMethod');
      if (proposeNode?.type !== 'task') throw new Error('no proposeMethod');
      proposeNode.decisions = [{ outcome: 'submit', next: 'bidding' }];
    });
    const driver = launchedAt(unapproved, BAOTOU);
    expect(propose(driver, 'openTender')).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('not been approved by "finance-bureau"') });
    expect(driver.state.biddingOpen).toBe(false);
    expect(driver.commands.some((c) => c.type === 'biddingOpened')).toBe(false);

    // Without an approver named, the same flow opens bidding at once.
    const unnamed = withSelection(unapproved, (step) => {
      delete step.selection.methods.approvedBy;
      delete step.selection.bidding.whenTooFew.approvedBy;
    });
    const free = launchedAt(unnamed, BAOTOU);
    expect(propose(free, 'openTender')).toMatchObject({ ok: true });
    expect(free.state.biddingOpen).toBe(true);
  });

  it('asks for a fresh approval whenever the method is chosen again: a return undoes nothing it did not approve', () => {
    const driver = launchedAt(baotou, BAOTOU);
    propose(driver, 'openTender');
    const approve = until(driver, 'approveMethod')!;
    driver.apply(decision(driver, approve.id, finance, 'return', { comment: '请补充市场调研' }));
    expect(driver.state.methodApprovals).toEqual([]);
    propose(driver, 'competitiveNegotiation');
    driver.apply(decision(driver, until(driver, 'approveMethod')!.id, finance, 'approve'));
    expect(driver.state.methodApprovals).toEqual(['finance-bureau']);
    expect(driver.commands.filter((c) => c.type === 'biddingOpened').map((c) => c.type === 'biddingOpened' && c.method)).toEqual(['competitiveNegotiation']);
  });

  it('switches method after too few bidders only once whenTooFew.approvedBy approved the switch (a flow the compiler refuses)', () => {
    // Methods need no approval here, but the switch does, and the flow goes from the proposal straight to bidding.
    const switchOnly = withSelection(baotou, (step) => {
      delete step.selection.methods.approvedBy;
      const proposeNode = step.flow.nodes.find((n) => n.id === 'proposeMethod');
      if (proposeNode?.type !== 'task') throw new Error('no proposeMethod');
      proposeNode.decisions = [{ outcome: 'submit', next: 'bidding' }];
    });
    const switchTo = (definition: ProcedureDefinition) => {
      const driver = launchedAt(definition, BAOTOU);
      expect(propose(driver, 'openTender')).toMatchObject({ ok: true });
      driver.apply(bidOf(driver, 'vendor-1'));
      const failed = until(driver, 'failedBidding')!;
      driver.apply(decision(driver, failed.id, justice, 'return', { comment: '合格供应商不足' }));
      return propose(driver, 'singleSource');
    };
    expect(switchTo(switchOnly)).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('switch to the procurement method "singleSource" has not been approved by "finance-bureau"') });
    // Without whenTooFew.approvedBy, the same switch opens the next round at once.
    const unapprovedSwitch = withSelection(switchOnly, (step) => {
      delete step.selection.bidding.whenTooFew.approvedBy;
    });
    expect(switchTo(unapprovedSwitch)).toMatchObject({ ok: true, state: { biddingOpen: true } });
  });
});
