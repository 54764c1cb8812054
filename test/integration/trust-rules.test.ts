import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { tokenFor } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { type PendingTimerView, skipPastTimer } from '../support/time-skipping.js';
import { startProcurementApi, type ProcurementApi } from '../support/procurement-api.js';
import { freshCreditCode, readModelSnapshot } from '../support/procurement-fixtures.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';

/**
 * The minimal procedure with a procurement centre that alone reads sealed bids, an opening that
 * discloses names and prices but not scores, and a budget justification only the justice and finance
 * bureaus may read.
 */
function trustedProcedure(): string {
  const text = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
  const edits: Array<[string, string]> = [
    ['  - { id: vendor, title: { zh: 承接主体, en: Vendor } }', '  - { id: vendor, title: { zh: 承接主体, en: Vendor } }\n  - { id: procurement-centre, title: { zh: 采购中心, en: Procurement centre } }'],
    [
      '        minimumBidders: 2\n',
      '        minimumBidders: 2\n        sealed: { readableBy: [procurement-centre], disclosedAfterOpening: [vendorName, priceFen] }\n',
    ],
    [
      '{ id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1 }',
      '{ id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1, confidential: { readableBy: [justice-bureau, finance-bureau] } }',
    ],
  ];
  return edits.reduce((result, [from, to]) => {
    if (!result.includes(from)) throw new Error(`the minimal procedure no longer contains: ${from}`);
    return result.replace(from, to);
  }, text);
}

interface Bid {
  bidId: string;
  round: number | null;
  vendorId: string | null;
  vendorName: string | null;
  priceFen: number | null;
  score: number | null;
}
interface Audit {
  action: string;
  actorId: string;
  actorRole: string;
  subjectId: string;
  comment: string | null;
  details: Record<string, unknown>;
}
interface TimelineEntry {
  source: string;
  type: string;
  summary: string;
  eventId?: number;
  activity?: string;
}
interface Detail {
  status: string;
  inputs: Record<string, unknown>;
  selection: { biddingOpen: boolean; bidsReceived: number | null };
  bids: Bid[];
  contracts: Array<{ id: string; vendorId: string; status: string }>;
  payments: Array<{ vendorId: string; trancheId: string; amountFen: number }>;
  tasks: { open: Array<{ id: string; nodeId: string }>; closed: Array<{ nodeId: string; decision: { fields: Record<string, unknown> } | null }> };
  audit: Audit[];
  live: { contracts: Array<{ contractId: string }> } | null;
}

/**
 * The trust rules through the HTTP API on real Temporal (time-skipping) and PostgreSQL: vendor staff act
 * and read only for their own organisation, sealed bids stay sealed until bidding closes, confidential
 * fields reach only their readers, a request id means one request, awards keep to the bid, and
 * cancelling an awarded cycle goes through the workflow's rules and audit trail.
 */
describe('trust rules through the API', () => {
  let api: ProcurementApi;
  const tokens: Record<string, string> = {};
  let sunshine = '';
  let harmony = '';
  let cycleId = '';
  let sunshineBid = '';
  /** The Temporal part of the ops inspection of the cycle once bidding opened, before any bid. */
  let historyBeforeBids: TimelineEntry[] = [];

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  /** The cycle's pending timers, as its live state lists them. */
  const pendingTimers = (id: string) => async () =>
    (await call<{ live: { pendingTimers: PendingTimerView[] } | null }>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin')).body.live?.pendingTimers ?? [];
  const detail = async (who: string) => {
    const answer = await call<Detail>('GET', `/cycles/${cycleId}`, who);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const decide = (taskId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });
  /** The Temporal history as the ops inspection of the cycle shows it to `who`. */
  const inspectedHistory = async (who: string) => {
    const answer = await call<{ timeline: TimelineEntry[] }>('GET', `/ops/processes/${encodeURIComponent(cycleId)}`, who);
    expect(answer.status).toBe(200);
    return answer.body.timeline.filter((entry) => entry.source === 'temporal');
  };
  /** The ops inspection's Temporal update events, by the update's name as the summary gives it, and its activities. */
  const inspectedUpdates = async (who: string) => {
    const temporal = await inspectedHistory(who);
    return {
      accepted: temporal.filter((entry) => entry.type === 'workflowExecutionUpdateAccepted').map((entry) => entry.summary.split(' · ')[1]),
      completed: temporal.filter((entry) => entry.type === 'workflowExecutionUpdateCompleted').map((entry) => entry.summary.split(' · ')[1]),
      activities: temporal.flatMap((entry) => (entry.activity === undefined ? [] : [entry.activity])),
    };
  };
  /** The names of the updates the cycle's workflow accepted, read from its history itself. */
  const acceptedUpdatesInHistory = async () => {
    const history = await api.temporalClient.workflow.getHandle(cycleId).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const name = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
      return name ? [name] : [];
    });
  };
  const inbox = async (who: string) => (await call<{ tasks: Array<{ id: string; nodeId: string; contractId: string | null }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;

  beforeAll(async () => {
    api = await startProcurementApi('trust_rules');
    const people: Record<string, { roles: string[]; jurisdiction?: string }> = {
      national: { roles: ['administrator'], jurisdiction: 'cn' },
      admin: { roles: ['administrator'] },
      drafter: { roles: ['justice-bureau'] },
      panel: { roles: ['justice-bureau'] },
      reviewer: { roles: ['finance-bureau'] },
      civil: { roles: ['civil-affairs'] },
      centre: { roles: ['procurement-centre'] },
      // The same role id at the national level, which reaches every cycle: not the test county's procurement centre.
      nationalCentre: { roles: ['procurement-centre'], jurisdiction: 'cn' },
      ops: { roles: ['ops'] },
      // Operations staff who also hold the procurement centre's role: readers of the sealed bids.
      centreOps: { roles: ['ops', 'procurement-centre'] },
      judicial: { roles: ['judicial-office'] },
      outsider: { roles: ['administrator'], jurisdiction: 'other-county' },
    };
    for (const [who, { roles, jurisdiction }] of Object.entries(people)) {
      tokens[who] = await tokenFor({ userId: who, name: who, roles, jurisdiction: jurisdiction ?? JURISDICTION });
    }
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'trusted-procedure.yaml', text: trustedProcedure() }] })).status).toBe(201);
    const register = async (name: string) => {
      const created = await call('POST', '/vendors', 'admin', { name, creditCode: freshCreditCode(), registrationType: 'socialServiceAgency', evidence: [{ criterionId: 'registered', document: `${name}登记证书` }] });
      const id = created.body['id'] as string;
      expect((await call('POST', `/vendors/${id}/verification`, 'drafter', { decision: 'verified' })).status).toBe(200);
      return id;
    };
    sunshine = await register('测试县阳光社会工作服务中心');
    harmony = await register('测试县和谐社工事务所');
    tokens['sunshineStaff'] = await tokenFor({ userId: 'sunshine.staff', name: '阳光职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: sunshine });
    tokens['harmonyStaff'] = await tokenFor({ userId: 'harmony.staff', name: '和谐职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: harmony });

    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(launched.status).toBe(201);
    cycleId = launched.body['cycleId'] as string;
    const draft = await eventually(() => inbox('drafter'), (tasks) => tasks.some((t) => t.nodeId === 'draftBudget'));
    expect((await decide(draft[0]?.id ?? '', 'drafter', { outcome: 'submit', fields: { justification: '在册20人，另含两名重点对象的心理干预' } })).status).toBe(200);
    expect((await decide(`${cycleId}/reviewBudget#1`, 'reviewer', { outcome: 'approve' })).status).toBe(200);
    await skipPastTimer(api.env, pendingTimers(cycleId), 'wait');
    await eventually(() => detail('admin'), (shown) => shown.selection.biddingOpen);
    // At rest (the opening's projection finished in the history too), before anyone bids.
    await eventually(
      () => api.temporalClient.workflow.getHandle(cycleId).describe(),
      ({ raw }) => !raw.pendingWorkflowTask && (raw.pendingActivities?.length ?? 0) === 0,
    );
    historyBeforeBids = await inspectedHistory('ops');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lets vendor staff bid only in their own organisation’s name; the procurement centre may bid on a vendor’s behalf, recorded as such', async () => {
    const before = await readModelSnapshot(api.dataSource);
    const forged = await call('POST', `/cycles/${cycleId}/bids`, 'sunshineStaff', { requestId: randomUUID(), vendorId: harmony, priceFen: 1 });
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ details: [{ field: 'vendorId' }] });
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);

    const requestId = randomUUID();
    const own = await call('POST', `/cycles/${cycleId}/bids`, 'sunshineStaff', { requestId, vendorId: sunshine, priceFen: 1_800_000 });
    expect(own.status).toBe(201);
    sunshineBid = own.body['bidId'] as string;
    // A request id means one request: repeated, the first answer; with another price or by another person, refused.
    expect(await call('POST', `/cycles/${cycleId}/bids`, 'sunshineStaff', { requestId, vendorId: sunshine, priceFen: 1_800_000 })).toEqual(own);
    const afterBid = await readModelSnapshot(api.dataSource);
    const cheaper = await call('POST', `/cycles/${cycleId}/bids`, 'sunshineStaff', { requestId, vendorId: sunshine, priceFen: 1_700_000 });
    expect(cheaper.status).toBe(409);
    expect(cheaper.body).toMatchObject({ message: expect.stringContaining(`Request id "${requestId}" was already used`), details: [{ field: 'requestId' }] });
    expect((await call('POST', `/cycles/${cycleId}/bids`, 'centre', { requestId, vendorId: harmony, priceFen: 1_900_000 })).status).toBe(409);
    expect(await readModelSnapshot(api.dataSource)).toEqual(afterBid);
    expect((await call('POST', `/cycles/${cycleId}/bids`, 'centre', { requestId: randomUUID(), vendorId: harmony, priceFen: 1_900_000 })).status).toBe(201);

    // While bidding is open only the procurement centre reads the sealed bids, and their audit entries.
    const audit = await eventually(() => detail('centre'), (shown) => shown.audit.filter((a) => a.action.startsWith('bid.')).length === 2);
    const bidEntries = audit.audit.filter((a) => a.action.startsWith('bid.')).map((a) => [a.action, a.actorId, a.actorRole, a.details['vendorId'], a.details['onBehalf']]);
    expect(bidEntries.sort()).toEqual(
      [
        ['bid.enteredOnBehalf', 'centre', 'procurement-centre', harmony, true],
        ['bid.submitted', 'sunshine.staff', 'vendor', sunshine, false],
      ].sort(),
    );
  });

  it('keeps bids sealed while bidding is open: only the procurement centre and each bid’s own vendor see it', async () => {
    const centre = await detail('centre');
    expect(centre.bids.map((b) => [b.vendorId, b.priceFen]).sort()).toEqual([[harmony, 1_900_000], [sunshine, 1_800_000]].sort());

    const own = await detail('sunshineStaff');
    expect(own.bids.map((b) => [b.vendorId, b.priceFen])).toEqual([[sunshine, 1_800_000]]);
    expect(own.audit.map((a) => a.action)).toEqual(['bid.submitted']);
    expect(JSON.stringify(own)).not.toContain('1900000');
    expect(JSON.stringify(own)).not.toContain(harmony);

    const finance = await detail('reviewer');
    expect(finance.bids).toEqual([]);
    expect(finance.selection.bidsReceived).toBeNull();
    expect(finance.audit.filter((a) => a.action.startsWith('bid.'))).toEqual([]);
    expect(JSON.stringify(finance)).not.toContain('1800000');
  });

  it('keeps sealed bids from the readers’ role held in another jurisdiction: a national procurement centre reads the cycle, not its bids', async () => {
    const national = await detail('nationalCentre');
    expect(national.selection.biddingOpen).toBe(true);
    expect(national.bids).toEqual([]);
    expect(national.selection.bidsReceived).toBeNull();
    expect(national.audit.filter((a) => a.action.startsWith('bid.'))).toEqual([]);
    expect(JSON.stringify(national)).not.toContain('1800000');
    expect(JSON.stringify(national)).not.toContain('1900000');
    // The cycle's own procurement centre still reads every price.
    const centre = await detail('centre');
    expect(centre.bids.map((b) => b.priceFen).sort()).toEqual([1_800_000, 1_900_000]);
  });

  it('keeps the bids out of the ops inspection’s timeline while bidding is open, unless the inspector reads sealed bids', async () => {
    const history = await acceptedUpdatesInHistory();
    // The history does hold the bids (a repeated request id is accepted again and answered as before).
    expect(history.filter((name) => name === 'submitBid').length).toBeGreaterThanOrEqual(2);
    const others = history.filter((name) => name !== 'submitBid');

    const ops = await inspectedUpdates('ops');
    expect(ops.accepted).toEqual(others);
    expect(ops.completed).not.toContain('submitBid');
    expect(ops.activities).not.toContain('recordBid');
    // Nothing but the bids happened since bidding opened: the history shows ops staff what it showed before
    // them — no update, projection, or timer the loop cancelled and restarted on each bid.
    expect(await inspectedHistory('ops')).toEqual(historyBeforeBids);

    const reader = await inspectedUpdates('centreOps');
    expect(reader.accepted).toEqual(history);
    expect(reader.activities).toContain('recordBid');
  });

  it('shows a confidential field only to the roles that may read it, and no cycle task to vendor staff', async () => {
    const justification = '在册20人，另含两名重点对象的心理干预';
    const reader = await detail('reviewer');
    expect(reader.tasks.closed.find((t) => t.nodeId === 'draftBudget')?.decision?.fields).toEqual({ justification });

    const judicial = await detail('judicial');
    expect(judicial.tasks.closed.find((t) => t.nodeId === 'draftBudget')?.decision?.fields).toEqual({});
    expect(JSON.stringify(judicial)).not.toContain(justification);
    const task = await call<{ decision: { fields: Record<string, unknown> } }>('GET', `/tasks/${encodeURIComponent(`${cycleId}/draftBudget#1`)}`, 'judicial');
    expect(task.status).toBe(200);
    expect(task.body.decision.fields).toEqual({});

    const vendor = await detail('sunshineStaff');
    expect(vendor.tasks).toEqual({ open: [], closed: [] });
    expect(JSON.stringify(vendor)).not.toContain(justification);
    expect((await call('GET', `/tasks/${encodeURIComponent(`${cycleId}/draftBudget#1`)}`, 'sunshineStaff')).status).toBe(404);
  });

  it('shows vendor staff their own registry record only', async () => {
    const list = await call<{ vendors: Array<{ id: string }>; total: number }>('GET', '/vendors', 'sunshineStaff');
    expect(list.body).toMatchObject({ total: 1, vendors: [{ id: sunshine }] });
    expect((await call('GET', `/vendors/${harmony}`, 'sunshineStaff')).status).toBe(404);
    expect((await call('GET', `/vendors/${sunshine}`, 'sunshineStaff')).status).toBe(200);
    expect((await call<{ total: number }>('GET', '/vendors', 'admin')).body.total).toBe(2);
  });

  it('discloses what the opening record lists once bidding closes, and holds an award to the bid', async () => {
    await skipPastTimer(api.env, pendingTimers(cycleId), 'bidding');
    await eventually(() => inbox('panel'), (tasks) => tasks.some((t) => t.nodeId === 'award'));
    const vendorView = await detail('sunshineStaff');
    expect(vendorView.bids.map((b) => [b.vendorName, b.priceFen, b.score]).sort()).toEqual(
      [
        ['测试县和谐社工事务所', 1_900_000, null],
        ['测试县阳光社会工作服务中心', 1_800_000, null],
      ].sort(),
    );
    expect((await detail('reviewer')).bids).toHaveLength(2);

    const before = await readModelSnapshot(api.dataSource);
    const scores = Object.fromEntries((await detail('centre')).bids.map((b) => [b.bidId, { price: 80, plan: 80 }]));
    const above = await decide(`${cycleId}/award#1`, 'panel', { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: sunshineBid, amountFen: 1_800_001 }] } });
    expect(above.status).toBe(422);
    expect(above.body).toMatchObject({ message: expect.stringContaining('above its bid of 1800000 fen'), details: [{ field: 'award.winners.0.amountFen' }] });
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    expect((await decide(`${cycleId}/award#1`, 'panel', { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: sunshineBid, amountFen: 1_800_000 }] } })).status).toBe(200);
  });

  it('shows the bids in the ops inspection’s timeline once bidding has closed', async () => {
    const history = await acceptedUpdatesInHistory();
    const ops = await inspectedUpdates('ops');
    expect(ops.accepted).toEqual(history);
    expect(ops.accepted.filter((name) => name === 'submitBid').length).toBeGreaterThanOrEqual(2);
    expect(ops.activities).toContain('recordBid');
  });

  it('lets vendor staff see and decide only their own contract’s tasks, and see only their own payments', async () => {
    const contractId = `${cycleId}/contract/${sunshine}`;
    const sign = await eventually(() => inbox('drafter'), (tasks) => tasks.some((t) => t.nodeId === 'signContract'));
    const signRequest = randomUUID();
    expect((await decide(sign.find((t) => t.nodeId === 'signContract')?.id ?? '', 'drafter', { requestId: signRequest, outcome: 'submit' })).status).toBe(200);

    const ledger = await eventually(() => inbox('sunshineStaff'), (tasks) => tasks.some((t) => t.nodeId === 'periods'));
    const ledgerTask = ledger.find((t) => t.nodeId === 'periods');
    expect(ledgerTask?.contractId).toBe(contractId);
    expect(await inbox('harmonyStaff')).toEqual([]);
    expect((await call('GET', `/tasks/${encodeURIComponent(ledgerTask?.id ?? '')}`, 'harmonyStaff')).status).toBe(404);
    expect((await decide(ledgerTask?.id ?? '', 'harmonyStaff', { outcome: 'submit', payload: { kind: 'ledger', lines: { activitySpendFen: 1 } } })).status).toBe(404);
    // The signing's request id, reused for another task of the same contract, is refused, not answered with the signing.
    const reused = await decide(ledgerTask?.id ?? '', 'sunshineStaff', { requestId: signRequest, outcome: 'submit', payload: { kind: 'ledger', lines: { activitySpendFen: 50_000 } } });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ details: [{ field: 'requestId' }] });
    expect((await decide(ledgerTask?.id ?? '', 'sunshineStaff', { outcome: 'submit', payload: { kind: 'ledger', lines: { activitySpendFen: 50_000 } } })).status).toBe(200);

    const payments = await eventually(
      () => call<{ payments: Array<{ vendorId: string; amountFen: number }> }>('GET', '/payments', 'admin'),
      (answer) => answer.body.payments.length === 1,
    );
    // Working funds: half of the contract's 1,800,000 fen, paid at signing.
    expect(payments.body.payments).toMatchObject([{ vendorId: sunshine, amountFen: 900_000 }]);
    expect((await call<{ payments: unknown[] }>('GET', '/payments', 'sunshineStaff')).body.payments).toHaveLength(1);
    expect((await call<{ payments: unknown[] }>('GET', '/payments', 'harmonyStaff')).body.payments).toEqual([]);
    const harmonyView = await detail('harmonyStaff');
    expect(harmonyView.contracts).toEqual([]);
    expect(harmonyView.payments).toEqual([]);
    expect(harmonyView.live?.contracts ?? []).toEqual([]);
    expect(harmonyView.audit.every((a) => a.details['vendorId'] === harmony)).toBe(true);
  });

  it('cancels an awarded cycle through the workflow’s rules: one request id one request, the contracts cancelled, all audited', async () => {
    const requestId = randomUUID();
    const before = await readModelSnapshot(api.dataSource);
    expect((await call('POST', `/cycles/${cycleId}/cancel`, 'outsider', { requestId, reason: '越权取消' })).status).toBe(404);
    expect((await call('POST', `/cycles/${cycleId}/cancel`, 'reviewer', { requestId, reason: '无权取消' })).status).toBe(403);
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);

    const reason = '上级政策调整，合同提前终止';
    const cancelled = await call('POST', `/cycles/${cycleId}/cancel`, 'admin', { requestId, reason });
    expect(cancelled.status).toBe(200);
    const repeated = await call('POST', `/cycles/${cycleId}/cancel`, 'admin', { requestId, reason });
    expect(repeated).toEqual(cancelled);
    const reused = await call('POST', `/cycles/${cycleId}/cancel`, 'admin', { requestId, reason: '另一个理由' });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ details: [{ field: 'requestId' }] });

    const shown = await eventually(() => detail('admin'), (view) => view.status === 'cancelled');
    expect(shown.contracts.map((c) => c.status)).toEqual(['cancelled']);
    const cancellations = shown.audit.filter((a) => a.action.endsWith('.cancelled')).map((a) => [a.action, a.actorId, a.actorRole, a.comment, a.details['requestId']]);
    expect(cancellations).toEqual([
      ['cycle.cancelled', 'admin', 'administrator', reason, requestId],
      ['contract.cancelled', 'admin', 'administrator', reason, requestId],
    ]);
    expect(shown.payments).toHaveLength(1);
  });
});
