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

/** Everyone the matrix asks: each role of the jurisdiction, two vendors' staff, and people of elsewhere. */
const PRINCIPALS = [
  'admin',
  'justice',
  'finance',
  'centre',
  'civil',
  'judicial',
  'winnerStaff',
  'loserStaff',
  'foreignAdmin',
  'foreignStaff',
  'national',
] as const;
type Principal = (typeof PRINCIPALS)[number];

/** The expected status per principal; `rest` for everyone not named. */
type Expectation = Partial<Record<Principal, number>> & { rest: number };

interface Probe {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly route: () => string;
  readonly body?: () => unknown;
  readonly expect: Expectation;
}

/**
 * Every endpoint × every role × own or other jurisdiction × own or other vendor, on one cycle awarded to
 * one of two bidders whose contract runs (working funds paid, its ledger open). Writes are probed with
 * requests that the rules refuse after the caller is let in (bidding that has closed, a vendor already
 * verified, a form that is wrong), so the matrix changes nothing: that is checked too. Then what each
 * principal sees of the cycle, the inbox, payments and the vendor registry is asserted exactly.
 */
describe('who may do and see what (the role matrix)', () => {
  let api: ProcurementApi;
  const tokens = {} as Record<Principal, string>;
  let winner = '';
  let loser = '';
  let foreignVendor = '';
  let cycleId = '';
  let ledgerTaskId = '';

  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: Principal | 'nobody', body?: unknown) =>
    api.call<T>(method, route, who === 'nobody' ? undefined : tokens[who], body);
  /** The cycle's pending timers, as its live state lists them. */
  const pendingTimers = (id: string) => async () =>
    (await call<{ live: { pendingTimers: PendingTimerView[] } | null }>('GET', `/cycles/${encodeURIComponent(id)}`, 'admin')).body.live?.pendingTimers ?? [];
  const inbox = async (who: Principal) => (await call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, who)).body.tasks;
  const decide = (taskId: string, who: Principal, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { requestId: randomUUID(), fields: {}, ...body });

  beforeAll(async () => {
    api = await startProcurementApi('role_matrix');
    const government: Record<string, { roles: string[]; jurisdiction: string }> = {
      admin: { roles: ['administrator'], jurisdiction: JURISDICTION },
      justice: { roles: ['justice-bureau'], jurisdiction: JURISDICTION },
      finance: { roles: ['finance-bureau'], jurisdiction: JURISDICTION },
      centre: { roles: ['procurement-centre'], jurisdiction: JURISDICTION },
      civil: { roles: ['civil-affairs'], jurisdiction: JURISDICTION },
      judicial: { roles: ['judicial-office'], jurisdiction: JURISDICTION },
      foreignAdmin: { roles: ['administrator'], jurisdiction: 'other-county' },
      national: { roles: ['administrator'], jurisdiction: 'cn' },
    };
    for (const [who, identity] of Object.entries(government)) tokens[who as Principal] = await tokenFor({ userId: who, name: who, ...identity });
    const files = [
      { file: 'minimal-procedure.yaml', text: readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8') },
    ];
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    expect((await call('POST', '/definitions', 'admin', { files })).status).toBe(201);

    const register = async (name: string, registrar: Principal, jurisdiction: string) => {
      const created = await call('POST', '/vendors', registrar, { name, creditCode: freshCreditCode(), registrationType: 'socialServiceAgency', evidence: [{ criterionId: 'registered', document: `${name}登记证书` }], jurisdiction });
      expect(created.status).toBe(201);
      return created.body['id'] as string;
    };
    winner = await register('测试县阳光社会工作服务中心', 'admin', JURISDICTION);
    loser = await register('测试县和谐社工事务所', 'admin', JURISDICTION);
    foreignVendor = await register('外县同心服务中心', 'national', 'other-county');
    for (const id of [winner, loser]) expect((await call('POST', `/vendors/${id}/verification`, 'justice', { decision: 'verified' })).status).toBe(200);
    tokens.winnerStaff = await tokenFor({ userId: 'winner.staff', name: '阳光职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: winner });
    tokens.loserStaff = await tokenFor({ userId: 'loser.staff', name: '和谐职员', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: loser });
    tokens.foreignStaff = await tokenFor({ userId: 'foreign.staff', name: '外县职员', roles: ['vendor'], jurisdiction: 'other-county', vendorId: foreignVendor });

    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    cycleId = launched.body['cycleId'] as string;
    const draft = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'draftBudget'));
    expect((await decide(draft[0]?.id ?? '', 'justice', { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
    expect((await decide(`${cycleId}/reviewBudget#1`, 'finance', { outcome: 'approve' })).status).toBe(200);
    await skipPastTimer(api.env, pendingTimers(cycleId), 'wait');
    await eventually(() => call<{ selection: { biddingOpen: boolean } }>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.selection.biddingOpen);
    const winnerBid = await call('POST', `/cycles/${cycleId}/bids`, 'winnerStaff', { requestId: randomUUID(), vendorId: winner, priceFen: 1_800_000 });
    expect(winnerBid.status).toBe(201);
    expect((await call('POST', `/cycles/${cycleId}/bids`, 'loserStaff', { requestId: randomUUID(), vendorId: loser, priceFen: 1_900_000 })).status).toBe(201);
    await skipPastTimer(api.env, pendingTimers(cycleId), 'bidding');
    const award = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'award'));
    const bids = (await call<{ bids: Array<{ bidId: string }> }>('GET', `/cycles/${cycleId}`, 'admin')).body.bids;
    const scores = Object.fromEntries(bids.map((bid) => [bid.bidId, { price: 80, plan: 80 }]));
    const awarded = await decide(award.find((t) => t.nodeId === 'award')?.id ?? '', 'justice', {
      outcome: 'approve',
      payload: { kind: 'award', scores, winners: [{ bidId: winnerBid.body['bidId'], amountFen: 1_800_000 }] },
    });
    expect(awarded.status).toBe(200);
    const sign = await eventually(() => inbox('justice'), (tasks) => tasks.some((t) => t.nodeId === 'signContract'));
    expect((await decide(sign.find((t) => t.nodeId === 'signContract')?.id ?? '', 'justice', { outcome: 'submit' })).status).toBe(200);
    const ledger = await eventually(() => inbox('winnerStaff'), (tasks) => tasks.some((t) => t.nodeId === 'periods'));
    ledgerTaskId = ledger.find((t) => t.nodeId === 'periods')?.id ?? '';
    // The signing's payment, once its export (which runs beside the signing's answer) has landed.
    await eventually(
      () => call<{ payments: Array<{ status: string }> }>('GET', '/payments', 'admin'),
      (answer) => answer.body.payments.length === 1 && answer.body.payments[0]?.status === 'exported',
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  const everyone = (status: number): Expectation => ({ rest: status });
  const PROBES: Probe[] = [
    { name: 'GET /cycles', method: 'GET', route: () => '/cycles', expect: everyone(200) },
    { name: 'GET /cycles/{id}', method: 'GET', route: () => `/cycles/${cycleId}`, expect: { rest: 200, foreignAdmin: 404, foreignStaff: 404 } },
    { name: 'POST /cycles (unknown procedure)', method: 'POST', route: () => '/cycles', body: () => ({ definitionKey: 'no-such-procedure', inputs: {} }), expect: { rest: 403, admin: 404, foreignAdmin: 404, national: 404 } },
    { name: 'POST /cycles/{id}/cancel (no reason)', method: 'POST', route: () => `/cycles/${cycleId}/cancel`, body: () => ({ reason: '' }), expect: { rest: 403, admin: 422, foreignAdmin: 422, national: 422 } },
    {
      name: 'POST /cycles/{id}/bids (own vendor, bidding closed)',
      method: 'POST',
      route: () => `/cycles/${cycleId}/bids`,
      body: () => ({ requestId: randomUUID(), vendorId: winner, priceFen: 1_000_000 }),
      // National administrators may reach the cycle but bid in no jurisdiction's selection: 403 before the closed selection's 409.
      expect: { rest: 403, admin: 409, centre: 409, winnerStaff: 409, foreignAdmin: 404, national: 403 },
    },
    { name: 'GET /tasks', method: 'GET', route: () => '/tasks', expect: everyone(200) },
    { name: 'GET /tasks/{id} (the winner’s ledger)', method: 'GET', route: () => `/tasks/${encodeURIComponent(ledgerTaskId)}`, expect: { rest: 200, loserStaff: 404, foreignAdmin: 404, foreignStaff: 404 } },
    {
      name: 'POST /tasks/{id}/decision (the winner’s ledger, wrong outcome)',
      method: 'POST',
      route: () => `/tasks/${encodeURIComponent(ledgerTaskId)}/decision`,
      body: () => ({ requestId: randomUUID(), outcome: 'approve', fields: {} }),
      expect: { rest: 403, winnerStaff: 422, loserStaff: 404, foreignAdmin: 404, foreignStaff: 404 },
    },
    { name: 'GET /payments', method: 'GET', route: () => '/payments', expect: everyone(200) },
    { name: 'GET /vendors', method: 'GET', route: () => '/vendors', expect: everyone(200) },
    { name: 'GET /vendors/{winner}', method: 'GET', route: () => `/vendors/${winner}`, expect: { rest: 200, loserStaff: 404, foreignAdmin: 404, foreignStaff: 404 } },
    { name: 'GET /vendors/{winner}/history', method: 'GET', route: () => `/vendors/${winner}/history`, expect: { rest: 200, loserStaff: 404, foreignAdmin: 404, foreignStaff: 404 } },
    {
      name: 'POST /vendors/{loser}/reinstatement (not suspended)',
      method: 'POST',
      route: () => `/vendors/${loser}/reinstatement`,
      body: () => ({ reason: '复核' }),
      expect: { rest: 409, loserStaff: 403, winnerStaff: 404, foreignAdmin: 404, foreignStaff: 404 },
    },
    { name: 'POST /vendors (incomplete)', method: 'POST', route: () => '/vendors', body: () => ({ name: '无证机构' }), expect: { rest: 403, admin: 422, foreignAdmin: 422, national: 422 } },
    {
      name: 'POST /vendors/{winner}/verification (already verified)',
      method: 'POST',
      route: () => `/vendors/${winner}/verification`,
      body: () => ({ decision: 'verified' }),
      expect: { rest: 403, justice: 409 },
    },
    { name: 'POST /vendors/{loser}/suspension (no reason)', method: 'POST', route: () => `/vendors/${loser}/suspension`, body: () => ({}), expect: { rest: 403, admin: 422, finance: 422, foreignAdmin: 422, national: 422 } },
    { name: 'GET /definitions', method: 'GET', route: () => '/definitions', expect: everyone(200) },
    { name: 'GET /definitions/{key}', method: 'GET', route: () => `/definitions/${PROCEDURE}`, expect: { rest: 200, foreignAdmin: 404, foreignStaff: 404 } },
    { name: 'POST /definitions/validate', method: 'POST', route: () => '/definitions/validate', body: () => ({ files: [{ file: 'x.yaml', text: 'a: [' }] }), expect: { rest: 403, admin: 200, foreignAdmin: 200, national: 200 } },
    { name: 'POST /definitions (not YAML)', method: 'POST', route: () => '/definitions', body: () => ({ files: [{ file: 'x.yaml', text: 'a: [' }] }), expect: { rest: 403, admin: 422, foreignAdmin: 422, national: 422 } },
    { name: 'GET /public/notices', method: 'GET', route: () => '/public/notices', expect: everyone(200) },
    { name: 'GET /ops/overdue', method: 'GET', route: () => '/ops/overdue', expect: { rest: 403, admin: 200, foreignAdmin: 200, national: 200 } },
    ...(['extension', 'reassignment', 'escalation'] as const).map((repair) => ({
      name: `POST /ops/tasks/{id}/${repair} (no one here holds the ops role)`,
      method: 'POST' as const,
      route: () => `/ops/tasks/${encodeURIComponent(ledgerTaskId)}/${repair}`,
      body: () => ({ requestId: randomUUID(), reason: '探测', workingDays: 1, role: 'judicial-office' }),
      expect: everyone(403),
    })),
    ...([
      ['cycle', () => cycleId],
      ['contract', () => ledgerTaskId.slice(0, ledgerTaskId.lastIndexOf('/'))],
    ] as const).map(([kind, workflowId]) => ({
      name: `POST /ops/processes/{id}/rebuild of the ${kind} (no one here holds the ops role)`,
      method: 'POST' as const,
      route: () => `/ops/processes/${encodeURIComponent(workflowId())}/rebuild`,
      body: () => ({ requestId: randomUUID(), reason: '探测' }),
      expect: everyone(403),
    })),
    {
      name: 'POST /ops/processes/{id}/reset (no one here holds the ops role)',
      method: 'POST',
      route: () => `/ops/processes/${encodeURIComponent(cycleId)}/reset`,
      body: () => ({ requestId: randomUUID(), step: 'budgeting', reason: '探测' }),
      expect: everyone(403),
    },
    { name: 'GET /ops/stuck', method: 'GET', route: () => '/ops/stuck', expect: { rest: 403, admin: 200, foreignAdmin: 200, national: 200 } },
    { name: 'GET /ops/summary', method: 'GET', route: () => '/ops/summary', expect: { rest: 403, admin: 200, foreignAdmin: 200, national: 200 } },
  ];

  it('answers every endpoint to every principal as the rules say, and the probes change nothing', async () => {
    const before = await readModelSnapshot(api.dataSource);
    const seen: Record<string, Record<string, number>> = {};
    const wanted: Record<string, Record<string, number>> = {};
    for (const probe of PROBES) {
      seen[probe.name] = {};
      wanted[probe.name] = {};
      for (const who of PRINCIPALS) {
        const answer = await call(probe.method, probe.route(), who, probe.body?.());
        seen[probe.name]![who] = answer.status;
        wanted[probe.name]![who] = probe.expect[who] ?? probe.expect.rest;
      }
    }
    expect(seen).toEqual(wanted);
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);
  });

  it('answers 401 to everything but the public endpoints without a token', async () => {
    for (const probe of PROBES) {
      const status = (await call(probe.method, probe.route(), 'nobody', probe.body?.())).status;
      expect([probe.name, status]).toEqual([probe.name, probe.name.startsWith('GET /public/') ? 200 : 401]);
    }
  });

  it('shows each principal exactly its share of the cycle', async () => {
    interface Shown {
      bids: Array<{ vendorId: string | null; priceFen: number | null }>;
      contracts: Array<{ vendorId: string }>;
      payments: Array<{ vendorId: string }>;
      tasks: { open: Array<{ id: string }>; closed: Array<{ id: string }> };
      audit: Array<{ action: string }>;
    }
    const view = async (who: Principal) => {
      const { body } = await call<Shown>('GET', `/cycles/${cycleId}`, who);
      return {
        bids: body.bids.map((b) => [b.vendorId, b.priceFen]).sort(),
        contracts: body.contracts.map((c) => c.vendorId),
        payments: body.payments.map((p) => p.vendorId),
        tasks: body.tasks.open.length + body.tasks.closed.length,
        audit: body.audit.map((a) => a.action),
      };
    };
    const bothBids = [[loser, 1_900_000], [winner, 1_800_000]].sort();
    const government = await view('judicial');
    expect(government).toMatchObject({ bids: bothBids, contracts: [winner], payments: [winner] });
    // draft, review, award, signing and the open ledger.
    expect(government.tasks).toBe(5);
    for (const who of ['admin', 'justice', 'finance', 'centre', 'civil', 'national'] as const) expect(await view(who)).toEqual(government);

    const winnerView = await view('winnerStaff');
    // After the opening, the procedure (which names no disclosure) shows other bids in full.
    expect(winnerView).toEqual({ bids: bothBids, contracts: [winner], payments: [winner], tasks: 2, audit: ['bid.submitted', 'task.submitted', 'payment.instructed'] });
    const loserView = await view('loserStaff');
    expect(loserView).toEqual({ bids: bothBids, contracts: [], payments: [], tasks: 0, audit: ['bid.submitted'] });
  });

  it('fills each inbox, payment list and registry answer with what the principal may see', async () => {
    const openIds = async (who: Principal) => (await inbox(who)).map((t) => t.id);
    expect(await openIds('winnerStaff')).toEqual([ledgerTaskId]);
    expect(await openIds('loserStaff')).toEqual([]);
    expect(await openIds('judicial')).toEqual([]);
    expect(await openIds('foreignStaff')).toEqual([]);

    const payments = async (who: Principal) => (await call<{ payments: Array<{ vendorId: string }> }>('GET', '/payments', who)).body.payments.map((p) => p.vendorId);
    for (const who of ['admin', 'finance', 'winnerStaff', 'national'] as const) expect([who, await payments(who)]).toEqual([who, [winner]]);
    for (const who of ['loserStaff', 'foreignAdmin', 'foreignStaff'] as const) expect([who, await payments(who)]).toEqual([who, []]);

    const registry = async (who: Principal) => (await call<{ vendors: Array<{ id: string }> }>('GET', '/vendors', who)).body.vendors.map((v) => v.id).sort();
    expect(await registry('finance')).toEqual([winner, loser].sort());
    expect(await registry('winnerStaff')).toEqual([winner]);
    expect(await registry('loserStaff')).toEqual([loser]);
    expect(await registry('foreignAdmin')).toEqual([foreignVendor]);
    expect(await registry('foreignStaff')).toEqual([foreignVendor]);
    expect(await registry('national')).toEqual([winner, loser, foreignVendor].sort());

    const cycles = async (who: Principal) => (await call<{ cycles: Array<{ id: string }> }>('GET', '/cycles', who)).body.cycles.map((c) => c.id);
    expect(await cycles('loserStaff')).toEqual([cycleId]);
    expect(await cycles('foreignAdmin')).toEqual([]);
  });
});
