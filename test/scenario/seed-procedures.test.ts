import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { VENDOR_ROLE } from '../../src/identity/identity.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { evaluate, scopesOf } from '../../workflows/engine/evaluate.js';
import type { Bid, EngineValues, TaskInstance } from '../../workflows/engine/types.js';
import { formFor, ProcedureDriver } from '../support/procedure-driver.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';
import { eventually } from '../support/eventually.js';
import { type CycleDetail, incidentsOf, type PaymentView, PINNED_START, ScenarioStack, TEST_CALENDARS, type TaskView } from './http-driver.js';

const ADMINISTRATOR = 'administrator';
const VERIFIER = 'civil-affairs';
const BIDDER = 'procurement-centre';
const VENDORS = ['阳光社会工作服务中心', '和谐社工事务所', '同心社会服务社'];

interface Decision {
  task: TaskView;
  userId: string;
  role: string;
  outcome: string;
  fields: Record<string, unknown>;
  payload?: Record<string, unknown>;
}

/**
 * Whole cycles of each shipped procedure driven only through the HTTP API, on the real time-skipping
 * Temporal server with the worker in-process and the real PostgreSQL read model: the procedure is
 * deployed, vendors are registered and verified, the cycle is launched, every task in every role's
 * inbox is decided (by a second person where four-eyes demands it), verified vendors bid while bidding
 * is open, and time skips to the next pending timer whenever nobody has anything to do — through every
 * contract to the last payment. Then the payments, the public notices and the audit trail are checked.
 */
describe.each([
  'deqing-community-correction.yaml',
  'xiamen-community-correction.yaml',
  'baotou-people-mediation.yaml',
  'baotou-resettlement.yaml',
])('a whole cycle of %s through the HTTP API', (file) => {
  let stack: ScenarioStack;

  beforeAll(async () => {
    stack = await ScenarioStack.start(`scenario_${file.split('-')[0] ?? 'seed'}`);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs from deployment to the last payment, paying each tranche once and publishing and auditing every step', async () => {
    const text = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8');
    const jurisdiction = /jurisdiction:\s*\{\s*code:\s*([a-z0-9-]+)/.exec(text)?.[1] ?? '';
    expect(jurisdiction).not.toBe('');
    const userOf = (role: string, second: boolean, vendorId?: string) => `${second ? 'second' : 'first'}.${role}${vendorId ? `.${vendorId.slice(0, 8)}` : ''}`;
    const as = (role: string, second = false, vendorId?: string) => stack.token(userOf(role, second, vendorId), role, jurisdiction, vendorId);
    const admin = await as(ADMINISTRATOR);

    // ── deploy the procedure and the holiday calendars of the years the cycle runs in ─────────
    const deployed = await stack.call<{ definitions: Array<{ key: string; version: number; kind: string }> }>('POST', '/definitions', admin, { files: [{ file, text }] });
    expect(deployed.status).toBe(201);
    await stack.deployCalendars();
    const procedure = deployed.body.definitions.find((d) => d.kind === 'Procedure');
    expect(procedure).toBeDefined();
    const version = await stack.call<{ definition: ProcedureDefinition }>('GET', `/definitions/${procedure!.key}/versions/${procedure!.version}`, admin);
    expect(version.status).toBe(200);
    const definition = version.body.definition;
    const planner = new ProcedureDriver({ definition, calendars: TEST_CALENDARS, jurisdiction });
    const roles = [...new Set([ADMINISTRATOR, ...definition.roles.map((role) => role.id)])];

    // ── register vendors and have civil affairs verify them ───────────────────────────────────
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const criteria = selection?.kind === 'vendorSelection' ? selection.selection.qualification.criteria.map((c) => c.id) : ['registered'];
    const vendorIds: string[] = [];
    for (const name of VENDORS) {
      const registered = await stack.call('POST', '/vendors', admin, {
        name: `${jurisdiction}${name}`,
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: criteria.map((criterionId) => ({ criterionId, document: `${name}·${criterionId}证明材料` })),
      });
      expect(registered.status).toBe(201);
      const id = registered.body['id'] as string;
      const verified = await stack.call('POST', `/vendors/${id}/verification`, await as(VERIFIER), { decision: 'verified' });
      expect(verified.status).toBe(200);
      vendorIds.push(id);
    }

    // ── launch ────────────────────────────────────────────────────────────────────────────────
    const launched = await stack.call('POST', '/cycles', admin, { definitionKey: procedure!.key, inputs: formFor(definition.inputs) });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;

    const detail = async () => {
      const answer = await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, admin);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    /** Waits until the cycle shows anything other than `seen`: a workflow step, a projection, a timer. */
    const changeFrom = async (seen: CycleDetail) => {
      const before = JSON.stringify(seen);
      await eventually(detail, (now) => JSON.stringify(now) !== before);
    };
    /** The approved budget, evaluated from the cycle's inputs and the decided budgeting forms the detail shows. */
    const budgetOf = (cycle: CycleDetail): Record<string, number> => {
      const values: EngineValues = { inputs: { ...cycle.inputs }, derived: {}, forms: {} };
      const scopes = scopesOf(definition);
      definition.derived.forEach((value, index) => (values.derived[value.id] = evaluate(scopes.derived(index), value.expr, values)));
      const closed = [...cycle.tasks.closed].filter((task) => task.contractId === null && task.decision?.fields).sort((a, b) => a.openedAt.localeCompare(b.openedAt));
      for (const task of closed) values.forms[task.nodeId] = { ...task.decision!.fields! };
      const step = definition.steps.find((s) => s.kind === 'budgeting');
      if (step?.kind !== 'budgeting') throw new Error('no budgeting step');
      const budget: Record<string, number> = { total: evaluate(scopes.budget, step.budget.total, values) as number };
      for (const component of step.budget.components) budget[component.id] = evaluate(scopes.budget, component.amount, values) as number;
      return budget;
    };

    // ── drive: bid while bidding is open, decide every open task, else skip to the next timer ──
    const decisions: Decision[] = [];
    const biddingRoundsBid = new Set<string>();
    let idle = 0;
    for (let round = 0; ; round++) {
      if (round > 400) throw new Error(`cycle ${cycleId} did not complete`);
      const cycle = await detail();
      if (cycle.status === 'completed') break;
      if (['terminated', 'cancelled', 'failed'].includes(cycle.status)) throw new Error(`cycle ${cycleId} ended ${cycle.status}: ${JSON.stringify(cycle.live)}`);
      const live = cycle.live;
      if (!live) {
        await changeFrom(cycle);
        continue;
      }

      const biddingRound = live.pendingTimers.find((timer) => timer.purpose === 'bidding')?.timerId ?? 'bidding';
      if (live.biddingOpen && !biddingRoundsBid.has(biddingRound)) {
        biddingRoundsBid.add(biddingRound);
        const price = budgetOf(cycle)['total'] ?? 0;
        for (const vendorId of vendorIds) {
          const bid = await stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await as(BIDDER), { requestId: randomUUID(), vendorId, priceFen: price });
          expect(bid.status).toBe(201);
        }
        continue;
      }

      const awaitingDecisions = live.waitingFor.some((w) => w.kind === 'decision') || live.contracts.some((c) => c.waitingFor.some((w) => w.kind === 'decision'));
      let decided = 0;
      // Vendor staff act for their own organisation: one vendor user per registered vendor.
      const principals = roles.flatMap((role): Array<{ role: string; vendorId: string | undefined }> => (role === VENDOR_ROLE ? vendorIds.map((vendorId) => ({ role, vendorId })) : [{ role, vendorId: undefined }]));
      for (const { role, vendorId } of principals) {
        const inbox = await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role, false, vendorId));
        expect(inbox.status).toBe(200);
        for (const task of inbox.body.tasks.filter((t) => t.role === role && t.status === 'open')) {
          const bids: Bid[] = cycle.bids.map((b) => ({ bidId: b.bidId, vendorId: b.vendorId, vendorName: b.vendorName, priceFen: b.priceFen, qualified: b.qualified, submittedAt: b.submittedAt }));
          const { outcome, fields, payload } = planner.happyDecision(task as unknown as TaskInstance, { bids, budgetTotal: task.kind === 'award' ? (budgetOf(cycle)['total'] ?? 0) : 0 });
          for (const second of [false, true]) {
            const answer = await stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(role, second, vendorId), {
              requestId: randomUUID(),
              outcome,
              fields,
              comment: `${task.title.zh}：同意`,
              ...(payload ? { payload } : {}),
            });
            if (answer.status === 200) {
              decisions.push({ task, userId: userOf(role, second, vendorId), role, outcome, fields, ...(payload ? { payload: payload as unknown as Record<string, unknown> } : {}) });
              decided++;
              break;
            }
            // The inbox (a read model) can still list a task the workflow has just closed.
            if (answer.status === 409) break;
            if (answer.status === 403 && !second && /four-eyes/i.test(String(answer.body['message']))) continue;
            throw new Error(`deciding ${task.id} as ${role}${second ? ' (second)' : ''} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
        }
      }
      if (decided > 0) {
        idle = 0;
        continue;
      }
      if (awaitingDecisions || (live.status === 'awaitingContracts' && live.contracts.length === 0)) {
        // The projection has not shown the task in the inbox yet.
        if (++idle > 100) throw new Error(`nothing in any inbox while the cycle waits: ${JSON.stringify(live)}`);
        await changeFrom(cycle);
        continue;
      }
      const timers = [...live.pendingTimers, ...live.contracts.flatMap((c) => c.pendingTimers)].map((t) => t.until).sort();
      const next = timers[0];
      if (!next) {
        // Between steps (activities running, a contract starting): look again shortly.
        if (++idle > 100) throw new Error(`cycle ${cycleId} is stuck: ${JSON.stringify(live)}`);
        await changeFrom(cycle);
        continue;
      }
      idle = 0;
      await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }

    // ── the ended cycle ─────────────────────────────────────────────────────────────────────
    const cycle = await detail();
    expect(cycle.status).toBe('completed');
    // Every deadline could be computed: the calendars cover every year the cycle ran in.
    expect(incidentsOf(cycle)).toEqual([]);
    // It ran on the pinned clock, not on the day the test runs: its first task opened on the pinned day.
    expect(cycle.tasks.closed.map((task) => task.openedAt).sort()[0]?.slice(0, 10)).toBe(PINNED_START.slice(0, 10));
    expect(cycle.contracts.length).toBeGreaterThan(0);
    expect(cycle.contracts.every((c) => c.status === 'completed')).toBe(true);
    // Every verified vendor's bid was taken as qualified; the winners are exactly the contracts.
    expect(vendorIds.every((id) => cycle.bids.some((b) => b.vendorId === id && b.qualified))).toBe(true);
    expect(cycle.bids.filter((b) => b.won).map((b) => b.vendorId).sort()).toEqual(cycle.contracts.map((c) => c.vendorId).sort());

    // One payment per tranche per contract, in whole fen, never more than the contract.
    const release = definition.steps.find((step) => step.kind === 'paymentRelease');
    const tranches = release?.kind === 'paymentRelease' ? release.payment.tranches.map((t) => t.id) : [];
    expect(tranches.length).toBeGreaterThan(0);
    const listed = await stack.call<{ payments: PaymentView[] }>('GET', `/payments?cycleId=${encodeURIComponent(cycleId)}`, admin);
    expect(listed.status).toBe(200);
    const payments = listed.body.payments;
    expect(payments).toHaveLength(cycle.contracts.length * tranches.length);
    // Each instruction went to the treasury export file once, as soon as it was recorded.
    const exported: Array<{ count: string }> = await stack.dataSource.query(
      'SELECT count(*) FROM payment_outbox o JOIN payments p ON p.id = o.payment_id WHERE p.cycle_id = $1 AND o.exported_at IS NOT NULL',
      [cycleId],
    );
    expect(Number(exported[0]?.count)).toBe(payments.filter((p) => p.amountFen > 0).length);
    for (const contract of cycle.contracts) {
      const own = payments.filter((p) => p.contractId === contract.id);
      expect(own.map((p) => p.trancheId).sort()).toEqual([...tranches].sort());
      for (const payment of own) {
        expect(Number.isInteger(payment.amountFen)).toBe(true);
        expect(payment.amountFen).toBeGreaterThanOrEqual(0);
      }
      expect(own.reduce((sum, p) => sum + p.amountFen, 0)).toBeLessThanOrEqual(contract.amountFen);
    }

    if (file.startsWith('deqing')) {
      // Working funds are the contract's share of the working-funds component; activity funds are
      // that share scaled by the evaluation score, and never more than the activity spend reported.
      const budget = budgetOf(cycle);
      const total = budget['total'] ?? 0;
      const perf = definition.steps.find((step) => step.kind === 'performanceManagement');
      if (perf?.kind !== 'performanceManagement') throw new Error('no performance step');
      const indicators = perf.performance.evaluation.indicators;
      for (const contract of cycle.contracts) {
        const share = (component: string) => Math.floor(((budget[component] ?? 0) * contract.amountFen) / total);
        const own = decisions.filter((d) => d.task.contractId === contract.id);
        const evaluation = own.filter((d) => d.task.kind === 'evaluation').at(-1)?.payload as { scores: Record<string, number> };
        const weights = indicators.reduce((sum, i) => sum + i.weight, 0);
        const score = indicators.reduce((sum, i) => sum + i.weight * (evaluation.scores[i.id] ?? 0), 0) / weights;
        const spent = own
          .filter((d) => d.task.kind === 'ledgerSubmission')
          .reduce((sum, d) => sum + Number((d.payload as { lines: Record<string, number> }).lines['activityFundsSpent'] ?? 0), 0);
        const paid = Object.fromEntries(payments.filter((p) => p.contractId === contract.id).map((p) => [p.trancheId, p.amountFen]));
        expect(paid).toEqual({
          workingFunds: share('workingFunds'),
          activityFunds: Math.min(Math.floor((share('activityFunds') * score) / 100), spent),
        });
      }
    }

    if (!file.startsWith('deqing')) {
      // Xiamen and Baotou pay the contract amount after acceptance, less what the contract's own tasks
      // deducted: a breach of contract (and, in Baotou, funds the audit disallowed).
      const release = definition.steps.find((step) => step.kind === 'paymentRelease');
      const trancheId = release?.kind === 'paymentRelease' ? release.payment.tranches[0]?.id : undefined;
      for (const contract of cycle.contracts) {
        const own = decisions.filter((d) => d.task.contractId === contract.id);
        const field = (nodeId: string, fieldId: string) => Number(own.filter((d) => d.task.nodeId === nodeId).at(-1)?.fields[fieldId] ?? 0);
        const deductions = field('requestPayment', 'breachDeduction') + (file.startsWith('baotou') ? field('auditFundUse', 'disallowedAmount') : 0);
        const paid = Object.fromEntries(payments.filter((p) => p.contractId === contract.id).map((p) => [p.trancheId, p.amountFen]));
        expect(paid).toEqual({ [trancheId ?? '']: Math.max(0, contract.amountFen - deductions) });
      }
    }

    // Public notices need no token: the purchase notice and, where declared, the award result.
    const notices = await stack.call<{ notices: Array<{ kind: string; cycleId: string }> }>('GET', `/public/notices?cycleId=${encodeURIComponent(cycleId)}`, undefined);
    expect(notices.status).toBe(200);
    const published = new Set(notices.body.notices.map((n) => n.kind));
    const declared = new Set(definition.notices.map((n) => n.kind));
    for (const kind of ['purchaseNotice', 'awardResult']) if (declared.has(kind as never)) expect(published).toContain(kind);
    expect(notices.body.notices.every((n) => n.cycleId === cycleId)).toBe(true);

    // The audit trail names every decision: who, in which role, when, with what outcome.
    for (const decision of decisions) {
      const entry = cycle.audit.find((a) => a.action.startsWith('task.') && a.subjectId === decision.task.id);
      expect(entry).toMatchObject({ actorId: decision.userId, actorRole: decision.role, details: expect.objectContaining({ outcome: decision.outcome, requestId: expect.any(String) }) });
      expect(Number.isNaN(Date.parse(entry!.occurredAt))).toBe(false);
    }
    expect(decisions.length).toBeGreaterThan(0);
    if (text.includes('notDecidedBySameActorAs')) expect(decisions.some((d) => d.userId.startsWith('second.'))).toBe(true);
  });
});
