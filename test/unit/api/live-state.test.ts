import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeLiveState } from '../../../apps/api/src/cycles/live-state.js';
import { ValidationError } from '../../../apps/api/src/common/domain-errors.js';
import { checkPayload } from '../../../apps/api/src/tasks/tasks.service.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { WorkflowSnapshot } from '../../../workflows/procurement/messages.js';

const compiled = compileDefinition(readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8'), 'minimal.yaml');
if (!compiled.ok || compiled.compiled.kind !== 'Procedure') throw new Error('the minimal procedure fixture does not compile');
const definition: ProcedureDefinition = compiled.compiled.definition;

const snapshot = (overrides: Partial<WorkflowSnapshot>): WorkflowSnapshot => ({
  status: 'running',
  stepId: 'budgeting',
  nodeId: null,
  openTasks: [],
  biddingOpen: false,
  pendingTimers: {},
  contracts: [],
  values: { inputs: {}, derived: {}, forms: {} },
  bids: [],
  ...overrides,
});

describe('what a running cycle waits for', () => {
  it('names an open decision by its title and roles, and its SLA timer by what happens when it fires', () => {
    const review = {
      id: 'reviewBudget#1',
      nodeId: 'reviewBudget',
      stepId: 'budgeting',
      kind: 'form' as const,
      role: 'finance-bureau',
      escalatedTo: [],
      escalateTo: 'justice-bureau',
      title: { zh: '预算审核', en: 'Review the budget' },
      openedAt: '2026-03-02T01:00:00.000Z',
      dueAt: '2026-03-09T15:59:59.999Z',
      status: 'open' as const,
    };
    const live = describeLiveState(snapshot({ openTasks: [review], pendingTimers: { 'sla:reviewBudget#1': review.dueAt } }), definition);
    expect(live.waitingFor).toEqual([{ kind: 'decision', description: '预算审核 Review the budget — a decision by finance-bureau', until: review.dueAt }]);
    expect(live.pendingTimers).toEqual([
      { timerId: 'sla:reviewBudget#1', purpose: 'sla', until: review.dueAt, description: '预算审核 Review the budget becomes overdue and escalates to justice-bureau' },
    ]);
  });

  it('names waits, bidding windows and running contracts, soonest timer first', () => {
    const live = describeLiveState(
      snapshot({
        status: 'awaitingContracts',
        biddingOpen: true,
        pendingTimers: { 'bidding:2': '2026-04-30T15:59:59.999Z', 'wait:commentPeriod#1': '2026-04-01T15:59:59.999Z' },
        contracts: [
          { contractId: 'c/contract/a', vendorId: 'a', vendorName: '阳光社工', amountFen: 1, status: 'running' },
          { contractId: 'c/contract/b', vendorId: 'b', vendorName: '和谐社工', amountFen: 1, status: 'completed' },
        ],
      }),
      definition,
    );
    expect(live.pendingTimers.map((timer) => [timer.purpose, timer.description])).toEqual([
      ['wait', '征求意见期 Comment period ends'],
      ['bidding', 'bidding round 2 closes'],
    ]);
    expect(live.waitingFor).toEqual([
      { kind: 'bids', description: '投标 Bids from verified vendors, until the bidding window closes', until: '2026-04-30T15:59:59.999Z' },
      { kind: 'timer', description: '征求意见期 Comment period ends', until: '2026-04-01T15:59:59.999Z' },
      { kind: 'contracts', description: '合同履行 1 running contract: 阳光社工', until: null },
    ]);
  });
});

describe('task payloads', () => {
  it('accepts each of the four shapes', () => {
    expect(checkPayload({ kind: 'evaluation', scores: { service: 90, finance: 80 } })).toEqual({ kind: 'evaluation', scores: { service: 90, finance: 80 } });
    expect(checkPayload({ kind: 'acceptance', passed: true, recipientOpinions: ['满意'] }).kind).toBe('acceptance');
    expect(checkPayload({ kind: 'ledger', lines: { activitySpendFen: 120_000 } }).kind).toBe('ledger');
    expect(checkPayload({ kind: 'award', scores: { 'bid-1': { price: 90 } }, winners: [{ bidId: 'bid-1', amountFen: 100 }] }).kind).toBe('award');
  });

  it.each([
    [{ kind: 'bonus' }, 'payload.kind'],
    [{ kind: 'evaluation', scores: { service: 101 } }, 'payload.scores.service'],
    [{ kind: 'evaluation', scores: { service: 9.5 } }, 'payload.scores.service'],
    [{ kind: 'award', scores: {}, winners: [{ bidId: 'bid-1', amountFen: 0 }] }, 'payload.winners.0.amountFen'],
    [{ kind: 'acceptance', passed: 'yes', recipientOpinions: [] }, 'payload.passed'],
    [{ kind: 'ledger', lines: { spend: null } }, 'payload.lines.spend'],
    [{ kind: 'evaluation', scores: {}, extra: 1 }, 'payload'],
    [{ kind: 'invitations', vendorIds: [] }, 'payload.vendorIds'],
    [{ kind: 'invitations', vendorIds: ['7f0c2d6e-4b1a-4c8e-9d3f-2a1b0c9d8e7f', 'vendor-2'] }, 'payload.vendorIds.1'],
  ])('refuses %j naming %s', (payload, field) => {
    let error: unknown;
    try {
      checkPayload(payload);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details[0]?.field).toBe(field);
  });
});
