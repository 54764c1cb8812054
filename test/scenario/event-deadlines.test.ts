import { randomUUID } from 'node:crypto';
import type { TaskInstance } from '../../workflows/engine/types.js';
import { eventually } from '../support/eventually.js';
import { formFor } from '../support/procedure-driver.js';
import { type CycleDetail, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const PROCEDURE = 'deqing-community-correction';
const JURISDICTION = 'zj-deqing';
const OVERDUE = 'task.overdue';
/** What the justice bureau enters as the contract's trade secret: no public notice may show it. */
const TRADE_SECRET = '社工人力成本单价每人每月6500元（商业秘密）';
const AGREEMENT_NUMBER = 'DQSF-2054-007';

/*
 * Every instant below is counted by hand on the test calendar of 2054 (test/scenario/fixtures/
 * calendars/cn-2054.yaml: 2026's arrangement, same weekdays). Deadlines end at the end of their last day
 * in China (UTC+8), i.e. at 15:59:59.999Z of that day.
 *
 * The award is decided on Monday 20 April, 09:00 in China. The confirmation it opens has an SLA of 5
 * working days: Tue 21 = 1, Wed 22 = 2, Thu 23 = 3, Fri 24 = 4, (weekend), Mon 27 = 5.
 */
const AWARDED_AT = '2054-04-20T01:00:00.000Z';
const CONFIRMATION_DUE = '2054-04-27T15:59:59.999Z';
/*
 * The confirmation, missed, is decided by the trading office just after its SLA: early on Tuesday 28
 * April in China. The award is announced within 2 working days of it (Regs art. 43): Wed 29 = 1, Thu 30 = 2.
 */
const ANNOUNCEMENT_DUE = '2054-04-30T15:59:59.999Z';
/*
 * Both parties sign on Thursday 30 April, 09:00 in China, the eve of Labour Day (Fri 1 – Tue 5 May, with
 * Saturday 9 May a make-up working day).
 *   Publication within 2 working days of signing (Regs art. 50): Wed 6 May = 1, Thu 7 May = 2.
 *     Counting plain weekdays would say Mon 4 May.
 *   Filing within 7 working days of signing (GPL art. 47): Wed 6 = 1, Thu 7 = 2, Fri 8 = 3,
 *     Sat 9 (make-up) = 4, Mon 11 = 5, Tue 12 = 6, Wed 13 = 7.
 *     Without the make-up Saturday it would be Thu 14 May; without the holiday, Mon 11 May.
 */
const SIGNED_AT = '2054-04-30T01:00:00.000Z';
const PUBLICATION_DUE = '2054-05-07T15:59:59.999Z';
const FILING_DUE = '2054-05-13T15:59:59.999Z';
/** The planner decides every task but the award here, which the test decides itself: it needs no bids. */
const NO_AWARD = { bids: [], budgetTotal: 0 };
/** How long before a deadline the test looks once more, to see that nothing has escalated yet. */
const JUST_BEFORE_MS = 60_000;

/**
 * The law's deadlines of a Deqing contract through the HTTP API, on the time-skipping Temporal server
 * pinned to 2054 with the test calendars: the cycle is driven to its award, time skips to the chosen
 * days, and the tasks the law times are left undecided until their deadlines pass. Each shows its due
 * instant (counted above by hand, across Labour Day and its make-up Saturday), is not escalated a minute
 * before it, escalates to the role the definition names at it — which may then decide — and leaves a
 * `task.overdue` entry in the audit trail. An SLA (`sla:` on the award's confirmation) does the same.
 * The published contract notice leaves out the confidential trade secret, which the justice bureau still
 * reads in the drafting decision.
 */
describe('deadlines anchored on events, through the HTTP API across a holiday with a make-up workday', () => {
  const stack = ScenarioStack.forThisFile('scenario_deadlines');

  it('times the award announcement, contract publication and filing by working days after their events, escalates and audits each miss, and keeps trade secrets out of the contract notice', async () => {
    const scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE);
    const { definition } = scenario;
    // Vendor staff are told apart by their vendor: the winner's staff sign, and read their agreement.
    const as = (role: string, second = false, vendorId?: string) => stack.token(`${second ? 'second' : 'first'}.${role}${vendorId ? `.${vendorId.slice(0, 8)}` : ''}`, role, JURISDICTION, vendorId);
    const admin = await as('administrator');
    const vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清同心社会服务社'], 'civil-affairs');
    const winner = vendorIds[0]!;

    // A budget of 100 persons × 360 000 × 3 / 12 = 9 000 000 fen, as the seed scenario has it.
    const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 3 });
    const forms: Record<string, Record<string, unknown>> = { draftBudget: { supervisedPersons: 100 } };

    const detail = async () => {
      const answer = await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, admin);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const inbox = async (role: string, vendorId?: string) =>
      (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role, false, vendorId))).body.tasks.filter((t) => t.status === 'open');
    const decide = async (task: TaskView, role: string, body: Record<string, unknown>, vendorId?: string) => {
      const send = async (second: boolean) =>
        stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(role, second, vendorId), { requestId: randomUUID(), fields: {}, comment: `${task.title.zh}：同意`, ...body });
      const first = await send(false);
      return first.status === 403 && /four-eyes/i.test(String(first.body['message'])) ? send(true) : first;
    };
    const skipTo = (instant: string) => stack.skipTo(instant);
    /** The open task of `nodeId` once the inbox of `role` lists it. */
    const openTask = async (role: string, nodeId: string, vendorId?: string) => (await eventually(() => inbox(role, vendorId), (tasks) => tasks.some((t) => t.nodeId === nodeId))).find((t) => t.nodeId === nodeId)!;
    /** The task as `GET /tasks/{id}` shows it to the justice bureau, with the flags the read model keeps. */
    const taskAsBureau = async (task: TaskView) =>
      (await stack.call<TaskView & { overdue: boolean; overdueAt: string | null; overdueDueAt: string | null }>('GET', `/tasks/${encodeURIComponent(task.id)}`, await as('justice-bureau'))).body;
    const overdueEntries = (cycle: CycleDetail, task: TaskView) => cycle.audit.filter((entry) => entry.action === OVERDUE && entry.subjectId === task.id);

    /**
     * Decides every open task of the cycle happily (with the forms above) and bids once per bidding round,
     * skipping to the next timer when nobody has anything to do, until `nodeId`'s task is open.
     */
    const driveTo = async (nodeId: string): Promise<TaskView> => {
      const roles = definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
      const rounds = new Set<string>();
      for (let round = 0; round < 300; round++) {
        const cycle = await detail();
        expect(cycle.status).toBe('running');
        const biddingRound = cycle.live?.pendingTimers.find((t) => t.purpose === 'bidding')?.timerId;
        if (cycle.live?.biddingOpen && biddingRound && !rounds.has(biddingRound)) {
          rounds.add(biddingRound);
          for (const vendorId of vendorIds) expect((await scenario.bid(cycleId, vendorId, 3_000_000)).status).toBe(201);
          continue;
        }
        const open = (await Promise.all(roles.map(async (role) => (await inbox(role)).filter((t) => t.role === role)))).flat();
        const wanted = open.find((t) => t.nodeId === nodeId);
        if (wanted) return wanted;
        const task = open[0];
        if (task) {
          const { outcome, fields } = planner.happyDecision(task as unknown as TaskInstance, NO_AWARD);
          const answer = await decide(task, task.role, { outcome, fields: { ...fields, ...forms[task.nodeId] } });
          if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        const next = cycle.live?.pendingTimers.map((t) => t.until).sort()[0];
        if (cycle.live?.waitingFor.some((w) => w.kind === 'decision') || !next) {
          const before = JSON.stringify(cycle);
          await eventually(detail, (now) => JSON.stringify(now) !== before);
        } else await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
      }
      throw new Error(`cycle ${cycleId} never opened ${nodeId}`);
    };

    // ── the award, on the day chosen, opens the confirmation with its SLA ──────────────────────
    const award = await driveTo('award');
    await skipTo(AWARDED_AT);
    const bids = (await detail()).bids.filter((b) => b.qualified);
    expect(bids.length).toBe(3);
    const winningBid = bids.find((b) => b.vendorId === winner)!;
    const awarded = await decide(award, award.role, {
      outcome: 'approve',
      payload: {
        kind: 'award',
        scores: scenario.awardScores(bids),
        winners: [{ bidId: winningBid.bidId, amountFen: 3_000_000 }],
      },
    });
    expect(awarded.status).toBe(200);

    const confirmation = await openTask('justice-bureau', 'confirmAward');
    expect(confirmation).toMatchObject({ dueAt: CONFIRMATION_DUE, escalateTo: 'public-resource-office', escalatedTo: [] });
    await skipTo(new Date(Date.parse(CONFIRMATION_DUE) - JUST_BEFORE_MS).toISOString());
    // A minute before its SLA ends, the confirmation is the justice bureau's alone.
    expect((await decide(confirmation, 'public-resource-office', { outcome: 'approve' })).status).toBe(403);
    await skipTo(new Date(Date.parse(CONFIRMATION_DUE) + 1000).toISOString());
    const confirmationMissed = await eventually(detail, (cycle) => overdueEntries(cycle, confirmation).length > 0);
    // The SLA miss is audited like a deadline after an event, naming no event: an SLA counts from the opening.
    expect(overdueEntries(confirmationMissed, confirmation)).toEqual([
      expect.objectContaining({ actorRole: 'system', subjectType: 'task', details: expect.objectContaining({ nodeId: 'confirmAward', dueAt: CONFIRMATION_DUE, escalatedTo: ['public-resource-office'] }) }),
    ]);
    expect(overdueEntries(confirmationMissed, confirmation)[0]!.details).not.toHaveProperty('dueAfter');
    expect(overdueEntries(confirmationMissed, confirmation)[0]!.occurredAt >= CONFIRMATION_DUE).toBe(true);
    expect((await openTask('public-resource-office', 'confirmAward')).escalatedTo).toEqual(['public-resource-office']);
    // Escalated, the trading office may now confirm.
    expect((await decide(confirmation, 'public-resource-office', { outcome: 'approve' })).status).toBe(200);

    // ── the contract: the award is announced in time, the agreement drafted and signed on 30 April ──
    const announcement = await openTask('justice-bureau', 'announceAward');
    expect(announcement).toMatchObject({ dueAt: ANNOUNCEMENT_DUE, escalateTo: 'finance-bureau' });
    expect((await decide(announcement, 'justice-bureau', { outcome: 'submit' })).status).toBe(200);

    const draft = await openTask('justice-bureau', 'draftAgreement');
    await skipTo(SIGNED_AT);
    const drafted = planner.happyDecision(draft as unknown as TaskInstance, NO_AWARD);
    expect((await decide(draft, 'justice-bureau', { outcome: 'submit', fields: { ...drafted.fields, tradeSecrets: TRADE_SECRET, agreementNumber: AGREEMENT_NUMBER } })).status).toBe(200);
    const purchaserSigns = await openTask('justice-bureau', 'purchaserSigns');
    expect((await decide(purchaserSigns, 'justice-bureau', { outcome: 'submit', fields: planner.happyDecision(purchaserSigns as unknown as TaskInstance, NO_AWARD).fields })).status).toBe(200);
    const vendorSigns = await openTask('vendor', 'vendorSigns', winner);
    expect((await decide(vendorSigns, 'vendor', { outcome: 'submit' }, winner)).status).toBe(200);

    // ── publication: due 2 working days after signing, left undecided ─────────────────────────
    const publication = await openTask('justice-bureau', 'publishContractTask');
    expect(publication).toMatchObject({ dueAt: PUBLICATION_DUE, escalateTo: 'finance-bureau', escalatedTo: [] });
    await skipTo(new Date(Date.parse(PUBLICATION_DUE) - JUST_BEFORE_MS).toISOString());
    expect((await decide(publication, 'finance-bureau', { outcome: 'submit' })).status).toBe(403);
    expect(overdueEntries(await detail(), publication)).toEqual([]);
    // A minute before, on the workflow's clock, the task is not overdue, though this machine's clock
    // (years earlier) could not say so either way: the read model says what the workflow recorded.
    expect(await taskAsBureau(publication)).toMatchObject({ dueAt: PUBLICATION_DUE, overdue: false, overdueAt: null, overdueDueAt: null });
    await skipTo(new Date(Date.parse(PUBLICATION_DUE) + 1000).toISOString());
    const publicationMissed = await eventually(detail, (cycle) => overdueEntries(cycle, publication).length > 0);
    // Past its deadline it is overdue since the instant the workflow recorded it, still showing when it was due.
    const overdueSince = overdueEntries(publicationMissed, publication)[0]!.occurredAt;
    expect(await taskAsBureau(publication)).toMatchObject({ dueAt: PUBLICATION_DUE, overdue: true, overdueAt: overdueSince, overdueDueAt: PUBLICATION_DUE });
    expect(publicationMissed.tasks.open.find((t) => t.id === publication.id)).toMatchObject({ overdue: true, overdueAt: overdueSince });
    expect(overdueEntries(publicationMissed, publication)).toEqual([
      expect.objectContaining({
        actorRole: 'system',
        details: expect.objectContaining({ nodeId: 'publishContractTask', dueAt: PUBLICATION_DUE, dueAfter: 'node:signAgreement', escalatedTo: ['finance-bureau'] }),
      }),
    ]);
    expect(overdueEntries(publicationMissed, publication)[0]!.occurredAt >= PUBLICATION_DUE).toBe(true);
    // The finance bureau, which it escalated to, publishes the contract.
    expect((await openTask('finance-bureau', 'publishContractTask')).escalatedTo).toEqual(['finance-bureau']);
    expect((await decide(publication, 'finance-bureau', { outcome: 'submit' })).status).toBe(200);
    // Decided, it is no longer overdue, and the read model still says it was, and since when.
    expect(await eventually(() => taskAsBureau(publication), (task) => task.status === 'decided')).toMatchObject({
      overdue: false,
      overdueAt: overdueSince,
      overdueDueAt: PUBLICATION_DUE,
    });

    // The published notice names the agreement and leaves out the trade secret.
    const notices = await eventually(
      async () => (await stack.call<{ notices: Array<{ kind: string; contractId: string | null; lines: Array<{ label: { zh: string }; value: string }> }> }>('GET', `/public/notices?cycleId=${encodeURIComponent(cycleId)}`, undefined)).body.notices,
      (all) => all.some((n) => n.kind === 'contract'),
    );
    const contractNotice = notices.find((n) => n.kind === 'contract')!;
    expect(Object.fromEntries(contractNotice.lines.map((line) => [line.label.zh, line.value]))).toMatchObject({ 合同编号: AGREEMENT_NUMBER, '合同金额（分）': '3000000' });
    expect(JSON.stringify(notices)).not.toContain(TRADE_SECRET);

    // ── filing: due 7 working days after signing (not after its own opening), left undecided ──
    const filing = await openTask('justice-bureau', 'fileContract');
    expect(filing).toMatchObject({ dueAt: FILING_DUE, escalateTo: 'finance-bureau', escalatedTo: [] });
    await skipTo(new Date(Date.parse(FILING_DUE) - JUST_BEFORE_MS).toISOString());
    expect((await decide(filing, 'finance-bureau', { outcome: 'submit' })).status).toBe(403);
    expect(overdueEntries(await detail(), filing)).toEqual([]);
    await skipTo(new Date(Date.parse(FILING_DUE) + 1000).toISOString());
    const filingMissed = await eventually(detail, (cycle) => overdueEntries(cycle, filing).length > 0);
    expect(overdueEntries(filingMissed, filing)).toEqual([
      expect.objectContaining({
        actorRole: 'system',
        details: expect.objectContaining({ nodeId: 'fileContract', dueAt: FILING_DUE, dueAfter: 'node:signAgreement', escalatedTo: ['finance-bureau'] }),
      }),
    ]);
    expect(overdueEntries(filingMissed, filing)[0]!.occurredAt >= FILING_DUE).toBe(true);
    expect((await openTask('finance-bureau', 'fileContract')).escalatedTo).toEqual(['finance-bureau']);
    expect((await decide(filing, 'finance-bureau', { outcome: 'submit', fields: { filingReference: '德财采备〔2054〕18号' } })).status).toBe(200);

    // ── the trade secret stays readable where the definition allows it ─────────────────────────
    const draftAs = async (role: string, vendorId?: string) => stack.call<TaskView>('GET', `/tasks/${encodeURIComponent(draft.id)}`, await as(role, false, vendorId));
    const bureauView = await draftAs('justice-bureau');
    expect(bureauView.status).toBe(200);
    expect(bureauView.body.decision?.fields).toMatchObject({ tradeSecrets: TRADE_SECRET, agreementNumber: AGREEMENT_NUMBER });
    // The vendor's own staff see their agreement's draft, but not the field the definition keeps confidential.
    const vendorView = await draftAs('vendor', winner);
    expect(vendorView.status).toBe(200);
    expect(vendorView.body.decision?.fields).toMatchObject({ agreementNumber: AGREEMENT_NUMBER });
    expect(JSON.stringify(vendorView.body)).not.toContain(TRADE_SECRET);

    // Exactly the three misses stand in the audit trail, and nothing needed ops staff.
    const ended = await detail();
    const misses = ended.audit.filter((entry) => entry.action === OVERDUE).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    expect(misses.map((entry) => [entry.details['nodeId'], entry.details['dueAt']])).toEqual([
      ['confirmAward', CONFIRMATION_DUE],
      ['publishContractTask', PUBLICATION_DUE],
      ['fileContract', FILING_DUE],
    ]);
    expect(incidentsOf(ended)).toEqual([]);
  });
});
