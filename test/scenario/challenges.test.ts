import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { eventually } from '../support/eventually.js';
import type { TaskInstance } from '../../workflows/engine/types.js';
import { formFor } from '../support/procedure-driver.js';
import { type CycleDetail, incidentsOf, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const JURISDICTION = 'zj-deqing';

/** The civil date of an instant in China (UTC+8). */
const chinaDateOf = (instant: string) => new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(0, 10);
const publishedAt = (cycle: CycleDetail) => {
  const notice = (cycle.notices as Array<{ kind: string; publishedAt?: string }>).find((n) => n.kind === 'awardResult');
  if (!notice?.publishedAt) throw new Error('no result notice');
  return notice.publishedAt;
};
const PROCEDURE = 'deqing-community-correction';

/** The shipped template's challenges: answered by the justice bureau (GPL arts. 52–53), escalating to finance. */
const CHALLENGES = `      challenges:
        filing: { after: { notice: awardResult }, within: { businessDays: 7 } }
        answeredBy: justice-bureau
        answer: { within: { businessDays: 7 }, escalateTo: finance-bureau }
`;
const TEMPLATE = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', `${PROCEDURE}.yaml`), 'utf8');

interface ChallengeView {
  challengeId: string;
  vendorId: string;
  status: string;
  affectsResult: boolean;
  taskId: string;
  answerDueAt: string | null;
  reasons: string | null;
}

/**
 * Challenges (质疑) through the HTTP API, on a time-skipping Temporal server pinned to 2054 and a real
 * PostgreSQL: a losing bidder files one within 7 working days of the result notice, which suspends the
 * contract's signing (409 naming the challenge) until the justice bureau answers it; one filed after the
 * 7 working days is refused with the date it closed.
 */
describe('challenges against the result of a Deqing cycle, through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('scenario_challenges');
  let scenario: ProcedureScenario;
  let vendorIds: string[] = [];

  beforeAll(async () => {
    if (!TEMPLATE.includes(CHALLENGES)) throw new Error('the Deqing template no longer says who answers challenges as this test expects: update it');
    scenario = await ProcedureScenario.deploy(stack, JURISDICTION, PROCEDURE, TEMPLATE);
    vendorIds = await scenario.verifiedVendors(['德清晨曦社会工作服务中心', '德清彩虹桥社会工作服务中心', '德清邻里社会工作服务社'], 'civil-affairs');
  });

  const detail = (cycleId: string, token?: string) => scenario.detail<CycleDetail & { challenges: ChallengeView[] }>(cycleId, token);
  const challenge = async (cycleId: string, token: string, affectsResult = true) =>
    stack.call<Record<string, unknown>>('POST', `/cycles/${encodeURIComponent(cycleId)}/challenges`, token, { requestId: randomUUID(), grounds: '成交供应商的服务方案评分未按公告的评审标准进行', affectsResult });

  /** A cycle awarded to the first vendor over the second, its award announced: the result notice is out. */
  const awardedCycle = async () => {
    const { cycleId, planner } = await scenario.launch();
    const [winner, loser] = vendorIds as [string, string];
    await scenario.driveTo(cycleId, planner);
    for (const [vendorId, priceFen] of [[winner, 900_000], [loser, 950_000]] as const) expect((await scenario.bid(cycleId, vendorId, priceFen)).status).toBe(201);
    const award = (await scenario.driveTo(cycleId, planner, 'award'))!;
    const bids = (await detail(cycleId)).bids;
    const scores = scenario.awardScores(bids, (b) => (b.vendorId === winner ? 90 : 80));
    const winning = bids.find((b) => b.vendorId === winner)!;
    expect((await scenario.decide(award, { outcome: 'approve', payload: { kind: 'award', scores, winners: [{ bidId: winning.bidId, amountFen: 900_000 }] } })).status).toBe(200);
    const confirm = (await scenario.driveTo(cycleId, planner, 'confirmAward'))!;
    expect((await scenario.decide(confirm, { outcome: 'approve' })).status).toBe(200);
    const announce = (await scenario.driveTo(cycleId, planner, 'announceAward'))!;
    expect((await scenario.decide(announce, { outcome: 'submit' })).status).toBe(200);
    const notice = await eventually(
      () => detail(cycleId),
      (now) => now.notices.some((n) => n.kind === 'awardResult'),
    );
    return { cycleId, planner, winner, loser, notice };
  };

  it('suspends signing while a challenge that may affect the result is open, and lets it go on once answered', async () => {
    const { cycleId, planner, winner, loser, notice } = await awardedCycle();
    // The result notice goes out as Friday 13 March 2054 begins in China (UTC+8).
    expect(chinaDateOf(publishedAt(notice))).toBe('2054-03-13');

    // Only a bidder's staff may file: another vendor's staff and the purchaser are refused.
    expect((await challenge(cycleId, await scenario.staffOf(vendorIds[2]!))).status).toBe(403);
    expect((await challenge(cycleId, await scenario.as('procurement-centre'))).status).toBe(403);

    // The agreement is drafted, so both signatures are open, the purchaser's with its 30-day SLA.
    const draft = (await scenario.driveTo(cycleId, planner, 'draftAgreement'))!;
    const fields = scenario.happyFields(planner, draft);
    expect((await scenario.decide(draft, { outcome: 'submit', fields })).status).toBe(200);
    const signing = (await scenario.driveTo(cycleId, planner, 'purchaserSigns'))!;
    expect(signing.dueAt).not.toBeNull();

    // The period runs 7 working days after Fri 13 Mar 2054 (cn-2054.yaml: no holiday until Qingming on
    // 4 April): Mon 16 = 1, Tue 17 = 2, Wed 18 = 3, Thu 19 = 4, Fri 20 = 5, Mon 23 = 6, Tue 24 = 7. The loser
    // files at 09:00 on Wednesday 18 March in China, well within it.
    await stack.skipTo('2054-03-18T01:00:00.000Z');
    const filed = await challenge(cycleId, await scenario.staffOf(loser));
    expect(filed.status).toBe(201);
    const challengeId = filed.body['challengeId'] as string;

    // Answer due 7 working days after Wed 18 Mar: Thu 19 = 1, Fri 20 = 2, Mon 23 = 3, Tue 24 = 4, Wed 25 = 5,
    // Thu 26 = 6, Fri 27 = 7; at the end of Friday 27 March in China: 2054-03-27T15:59:59.999Z.
    const seen = await detail(cycleId);
    expect(seen.challenges).toEqual([expect.objectContaining({ challengeId, vendorId: loser, status: 'open', affectsResult: true, answerDueAt: '2054-03-27T15:59:59.999Z' })]);
    // The filer sees its own challenge; the winner's staff see none.
    expect((await detail(cycleId, await scenario.staffOf(loser))).challenges.map((c) => c.challengeId)).toEqual([challengeId]);
    expect((await detail(cycleId, await scenario.staffOf(winner))).challenges).toEqual([]);
    // The answer task is the purchaser's: neither the filer nor another bidder can open it.
    const taskPath = `/tasks/${encodeURIComponent(filed.body['taskId'] as string)}`;
    expect((await stack.call('GET', taskPath, await scenario.as('justice-bureau'))).status).toBe(200);
    expect((await stack.call('GET', taskPath, await scenario.staffOf(loser))).status).toBe(404);
    expect((await stack.call('GET', taskPath, await scenario.staffOf(winner))).status).toBe(404);

    // Signing is suspended: refused with 409 naming the challenge, its clock stopped.
    const refused = await scenario.decide(signing, { outcome: 'submit', fields: { signedOn: '2054-06-01' } });
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toEqual(expect.stringContaining(challengeId));
    const held = (await scenario.openTasks(cycleId, 'justice-bureau')).find((t) => t.nodeId === 'purchaserSigns');
    expect(held?.dueAt).toBeNull();

    // The justice bureau dismisses it, with reasons the filer reads.
    const answerTask = (await scenario.openTasks(cycleId, 'justice-bureau')).find((t) => t.kind === 'challengeAnswer')!;
    expect(answerTask.dueAt).toBe('2054-03-27T15:59:59.999Z');
    const answered = await scenario.decide(answerTask, { outcome: 'submit', fields: { finding: 'dismissed', reasons: '评审按公告标准进行，评分无误' } });
    expect(answered.status).toBe(200);
    const mine = (await detail(cycleId, await scenario.staffOf(loser))).challenges[0];
    expect(mine).toMatchObject({ status: 'dismissed', reasons: '评审按公告标准进行，评分无误' });

    // Signing resumes, its clock running on with the time it had: stopped for exactly as long as it was held.
    const resumed = await eventually(
      async () => (await scenario.openTasks(cycleId, 'justice-bureau')).find((t) => t.nodeId === 'purchaserSigns'),
      (task) => task?.dueAt !== null && task?.dueAt !== undefined,
    );
    const audit = (await detail(cycleId)).audit;
    const suspended = audit.find((e) => e.action === 'contract.signingSuspended');
    const resumedEntry = audit.find((e) => e.action === 'contract.signingResumed');
    expect(suspended?.details['challengeId']).toBe(challengeId);
    expect(Date.parse(resumed!.dueAt!) - Date.parse(signing.dueAt!)).toBe(Date.parse(resumedEntry!.occurredAt) - Date.parse(suspended!.occurredAt));
    expect((await scenario.decide(resumed!, { outcome: 'submit', fields: { signedOn: '2054-06-01' } })).status).toBe(200);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['challenge.filed', 'challenge.answered']));
    expect(incidentsOf(await detail(cycleId))).toEqual([]);
  });

  it('refuses a challenge filed after 7 working days from the result notice, saying until when it was open', async () => {
    const { cycleId, loser, notice } = await awardedCycle();
    // This cycle's result notice goes out as Sunday 29 March 2054 begins in China. 7 working days after
    // it (cn-2054.yaml): Mon 30 Mar = 1, Tue 31 = 2, Wed 1 Apr = 3, Thu 2 = 4, Fri 3 = 5; Sat 4 – Mon 6 Apr
    // Qingming, no make-up day; Tue 7 = 6, Wed 8 = 7. Open until the end of Wednesday 8 April in China:
    // 2054-04-08T15:59:59.999Z.
    expect(chinaDateOf(publishedAt(notice))).toBe('2054-03-29');
    await stack.skipTo('2054-04-08T15:00:00.000Z');
    const lastHour = await challenge(cycleId, await scenario.staffOf(loser), false);
    expect(lastHour.status).toBe(201);
    await stack.skipTo('2054-04-09T01:00:00.000Z');
    const late = await challenge(cycleId, await scenario.staffOf(loser));
    expect(late.status).toBe(409);
    expect(late.body['message']).toEqual(expect.stringContaining('open until 2054-04-08T15:59:59.999Z'));
    expect((await detail(cycleId)).challenges.map((c) => c.challengeId)).toEqual([lastHour.body['challengeId']]);
  });

  /** The open tasks of the winner's contract that its own staff see. */
  const vendorTasks = async (cycleId: string, vendorId: string) =>
    (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await scenario.staffOf(vendorId))).body.tasks.filter((t) => t.status === 'open' && t.role === 'vendor');
  const decideAsVendor = async (task: TaskView, vendorId: string, body: Record<string, unknown>) =>
    stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await scenario.staffOf(vendorId), { requestId: randomUUID(), fields: {}, ...body });

  /**
   * A cycle whose contract is signed, published and filed at once after the result notice, so it is
   * performing — its first month's ledger open for the vendor — within the challenge period.
   */
  const performingContract = async () => {
    const awarded = await awardedCycle();
    const { cycleId, planner, winner } = awarded;
    for (let round = 0; round < 50; round++) {
      const ledger = (await vendorTasks(cycleId, winner)).find((t) => t.kind === 'ledgerSubmission');
      if (ledger) return { ...awarded, ledger };
      const signing = (await vendorTasks(cycleId, winner)).find((t) => t.nodeId === 'vendorSigns');
      if (signing) {
        expect((await decideAsVendor(signing, winner, { outcome: 'submit' })).status).toBe(200);
        continue;
      }
      const roles = scenario.definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
      const open = (await Promise.all(roles.map((role) => scenario.openTasks(cycleId, role)))).flat();
      const task = open[0];
      if (!task) {
        const before = JSON.stringify(await detail(cycleId));
        await eventually(() => detail(cycleId), (now) => JSON.stringify(now) !== before);
        continue;
      }
      const { outcome, fields } = planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
      const answer = await scenario.decide(task, { outcome, fields });
      if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    throw new Error('the contract never reached its first ledger');
  };
  const ledgerLines = () => {
    const performance = scenario.definition.steps.find((step) => step.kind === 'performanceManagement');
    // The lines compiled from case evidence are not the vendor's to type.
    return performance?.kind === 'performanceManagement' ? formFor(performance.performance.ledger.lines.filter((line) => typeof line.source !== 'object')) : {};
  };

  it('suspends the performance of a contract already signed while such a challenge is open, and lets it run on with the time it had once dismissed', async () => {
    const { cycleId, winner, loser, ledger } = await performingContract();
    expect(ledger.dueAt).not.toBeNull();
    // The treasury export runs beside the signing's answer: the payments as they stand once it has run.
    const paidBefore = (await eventually(() => detail(cycleId), (found) => found.payments.length > 0 && found.payments.every((p) => p.status === 'exported'))).payments;
    // Signed: the working funds are paid at signing, before any challenge.
    expect(paidBefore.map((p) => p.trancheId)).toContain('workingFunds');

    const filed = await challenge(cycleId, await scenario.staffOf(loser));
    expect(filed.status).toBe(201);
    const challengeId = filed.body['challengeId'] as string;

    // The signed contract's performance is suspended: the vendor's ledger is refused 409 naming the
    // challenge, and its clock is stopped.
    const held = await eventually(
      async () => (await vendorTasks(cycleId, winner)).find((t) => t.id === ledger.id),
      (task) => task?.dueAt === null,
    );
    expect(held?.dueAt).toBeNull();
    const refused = await decideAsVendor(ledger, winner, { outcome: 'submit', payload: { kind: 'ledger', lines: ledgerLines() } });
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toEqual(expect.stringContaining(challengeId));

    // Dismissed, performance resumes: the ledger's deadline moves on by exactly as long as it was held.
    const answerTask = (await scenario.openTasks(cycleId, 'justice-bureau')).find((t) => t.kind === 'challengeAnswer')!;
    expect((await scenario.decide(answerTask, { outcome: 'submit', fields: { finding: 'dismissed', reasons: '评审按公告标准进行，评分无误' } })).status).toBe(200);
    const resumed = await eventually(
      async () => (await vendorTasks(cycleId, winner)).find((t) => t.id === ledger.id),
      (task) => typeof task?.dueAt === 'string',
    );
    const audit = (await detail(cycleId)).audit;
    const suspendedEntry = audit.find((e) => e.action === 'contract.performanceSuspended');
    const resumedEntry = audit.find((e) => e.action === 'contract.performanceResumed');
    expect(suspendedEntry?.details['challengeId']).toBe(challengeId);
    expect(Date.parse(resumed!.dueAt!) - Date.parse(ledger.dueAt!)).toBe(Date.parse(resumedEntry!.occurredAt) - Date.parse(suspendedEntry!.occurredAt));
    // Nothing was paid while it was held.
    expect((await detail(cycleId)).payments).toEqual(paidBefore);
    expect((await decideAsVendor(resumed!, winner, { outcome: 'submit', payload: { kind: 'ledger', lines: ledgerLines() } })).status).toBe(200);
    expect(incidentsOf(await detail(cycleId))).toEqual([]);
  });

  it('terminates a contract already signed when such a challenge is upheld', async () => {
    const { cycleId, winner, loser, ledger } = await performingContract();
    const filed = await challenge(cycleId, await scenario.staffOf(loser));
    expect(filed.status).toBe(201);
    await eventually(
      async () => (await vendorTasks(cycleId, winner)).find((t) => t.id === ledger.id),
      (task) => task?.dueAt === null,
    );
    const answerTask = (await scenario.openTasks(cycleId, 'justice-bureau')).find((t) => t.kind === 'challengeAnswer')!;
    expect((await scenario.decide(answerTask, { outcome: 'submit', fields: { finding: 'upheld', reasons: '评分有误，成交结果无效' } })).status).toBe(200);
    const ended = await eventually(
      () => detail(cycleId),
      (cycle) => cycle.contracts.every((c) => c.status !== 'running'),
    );
    expect(ended.contracts).toEqual([expect.objectContaining({ vendorId: winner, status: 'terminated' })]);
    expect(ended.audit.filter((e) => e.action === 'contract.performanceTerminated').map((e) => e.details['challengeId'])).toEqual([filed.body['challengeId']]);
    expect((await vendorTasks(cycleId, winner)).filter((t) => t.id === ledger.id)).toEqual([]);
    expect(incidentsOf(ended)).toEqual([]);
  });

  it('refuses every challenge in a cycle of a procedure that names no one to answer them', async () => {
    // The same template without selection.challenges (its block and the sources under it), deployed as
    // version 2: new cycles run it.
    const start = TEMPLATE.indexOf('      # Challenges (质疑)');
    const end = TEMPLATE.indexOf('    flow:\n', start);
    expect(start).toBeGreaterThan(0);
    const without = TEMPLATE.slice(0, start) + TEMPLATE.slice(end);
    expect(without).not.toContain('challenges:');
    expect((await stack.call('POST', '/definitions', await scenario.as('administrator'), { files: [{ file: `${PROCEDURE}.yaml`, text: without }] })).status).toBe(201);
    const { cycleId, loser } = await awardedCycle();
    const refused = await challenge(cycleId, await scenario.staffOf(loser));
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toEqual(expect.stringContaining('provides no challenges'));
  });
});
