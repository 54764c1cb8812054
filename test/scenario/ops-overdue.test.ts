import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type CycleDetail, CycleDrive, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const JURISDICTION = 'test-county';
const KEY = 'test-county-community-correction';
const PROCEDURE_TEXT = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');

/*
 * Counted by hand on the test calendar of 2054 (test/scenario/fixtures/calendars/cn-2054.yaml: 2026's
 * arrangement on the same weekdays). The budget is drafted on Thursday 17 September, 09:00 in China; the
 * finance bureau's review it opens has an SLA of 5 working days, then escalates to the justice bureau:
 *   Fri 18 = 1; Sat 19 rest; Sun 20 is a make-up working day for National Day = 2; Mon 21 = 3; Tue 22 = 4;
 *   Wed 23 = 5 — due at the end of Wednesday 23 September in China.
 */
const DRAFTED_AT = '2054-09-17T01:00:00.000Z';
const REVIEW_DUE = '2054-09-23T15:59:59.999Z';
/*
 * Lateness is measured on Thursday 8 October, 10:00 in China. Working days after the due day up to it:
 *   Thu 24 Sep = 1; Fri 25 – Sun 27 the Mid-Autumn Festival holiday; Mon 28 = 2; Tue 29 = 3; Wed 30 = 4;
 *   Thu 1 – Wed 7 Oct the National Day holiday; Thu 8 = 5.
 * So 5 working days late (15 calendar days), and 346 whole hours (14 days and 10 hours after 23:59:59.999).
 */
const MEASURED_AT = '2054-10-08T02:00:00.000Z';
const WORKING_DAYS_LATE = 5;
const HOURS_LATE = 346;
/*
 * Extended by 6 working days from the due day: Thu 24 Sep, Mon 28, Tue 29, Wed 30, Thu 8 Oct, Fri 9 Oct
 * = 6 — due at the end of Friday 9 October, after the instant measured at.
 */
const EXTENDED_DUE = '2054-10-09T15:59:59.999Z';

interface OverdueItem {
  id: string;
  processKind: string;
  processId: string;
  jurisdiction: string;
  definitionKey: string;
  step: string | null;
  dueKind: string;
  dueAt: string;
  workingDaysLate: number | null;
  hoursLate: number;
  holder: { role: string; escalatedTo: string[]; vendorId: string | null };
  escalateTo: string | null;
  escalated: boolean;
}

/**
 * The overdue list and ops staff's task repairs through the HTTP API, on the time-skipping Temporal server
 * pinned to 2054 with real PostgreSQL: a finance review left past its SLA escalates (the holder reminded,
 * the justice bureau given the task, both audited), is listed as late by the working days counted above
 * across two holidays, and leaves the list once ops staff extend its deadline; a reassignment moves it to
 * another role's inbox; without the ops role every repair is refused and nothing is written.
 */
describe('overdue tasks and their repairs, through the HTTP API across the Mid-Autumn and National Day holidays', () => {
  const stack = ScenarioStack.forThisFile('scenario_ops_overdue');
  let deployed: ProcedureScenario | undefined;
  /** The procedure, deployed once for the file's tests. */
  const procedure = async () => (deployed ??= await ProcedureScenario.deploy(stack, JURISDICTION, KEY, PROCEDURE_TEXT));

  it('lists a review past its SLA by working days late, escalates and audits it, and extension, reassignment and the ops role behave', async () => {
    const scenario = await procedure();
    const ops = await stack.token('first.ops', 'ops', JURISDICTION);
    const admin = await scenario.as('administrator');

    await stack.skipTo(DRAFTED_AT);
    const { cycleId } = await scenario.launch({ supervisedPersons: 20 });
    const draft = await scenario.openTask(cycleId, 'justice-bureau', 'draftBudget');
    expect((await scenario.decide(draft, { outcome: 'submit', fields: { justification: '按在册人数编制' } })).status).toBe(200);
    const review = await scenario.openTask(cycleId, 'finance-bureau', 'reviewBudget');
    expect(review).toMatchObject({ dueAt: REVIEW_DUE, escalateTo: 'justice-bureau', escalatedTo: [] });

    const overdue = async (query: string, token = ops) => stack.call<{ at: string; items: OverdueItem[]; nextCursor: string | null }>('GET', `/ops/overdue?${query}`, token);
    // Before the due time nothing of this cycle is late.
    expect((await overdue(`at=${encodeURIComponent('2054-09-23T15:00:00Z')}`)).body.items).toEqual([]);

    // ── the SLA passes: the holder is reminded and the justice bureau takes the task over ──────────
    await stack.skipTo(MEASURED_AT);
    const justiceInbox = async () => (await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await scenario.as('justice-bureau'))).body.tasks;
    const escalated = await eventually(justiceInbox, (tasks) => tasks.some((t) => t.id === review.id && t.escalatedTo.includes('justice-bureau')));
    expect(escalated.find((t) => t.id === review.id)).toMatchObject({ role: 'finance-bureau', escalatedTo: ['justice-bureau'], status: 'open' });

    const auditOf = async () => (await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, admin)).body.audit.filter((entry) => entry.subjectId === review.id);
    const trail = await eventually(auditOf, (entries) => entries.some((entry) => entry.action === 'task.escalated'));
    expect(trail.filter((entry) => entry.action === 'task.reminder')).toEqual([expect.objectContaining({ details: expect.objectContaining({ remindedRole: 'finance-bureau', dueAt: REVIEW_DUE }) })]);
    expect(trail.filter((entry) => entry.action === 'task.escalated')).toEqual([expect.objectContaining({ details: expect.objectContaining({ escalatedTo: 'justice-bureau' }) })]);

    // ── the overdue list: how late on the calendar, who holds it, what it escalated to ─────────────
    const listed = await overdue(`at=${encodeURIComponent(MEASURED_AT)}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      at: MEASURED_AT,
      nextCursor: null,
      items: [
        expect.objectContaining({
          id: review.id,
          processKind: 'cycle',
          processId: cycleId,
          jurisdiction: JURISDICTION,
          definitionKey: KEY,
          step: 'budgeting',
          dueKind: 'form',
          dueAt: REVIEW_DUE,
          workingDaysLate: WORKING_DAYS_LATE,
          hoursLate: HOURS_LATE,
          holder: { role: 'finance-bureau', escalatedTo: ['justice-bureau'], vendorId: null, vendorName: null },
          escalateTo: 'justice-bureau',
          escalated: true,
        }),
      ],
    });
    // The same through the command line: a table for people, JSON for scripts.
    const procureflow = (args: string[]) => runToCompletion(PROCUREFLOW_BIN, {}, [...args, '--api', stack.baseUrl, '--token', ops]);
    const table = await procureflow(['ops', 'overdue', '--at', MEASURED_AT]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(review.id);
    expect(table.stdout).toContain(`${WORKING_DAYS_LATE} working days, ${HOURS_LATE} h`);
    expect(table.stdout).toContain('justice-bureau (escalated)');
    const json = await procureflow(['ops', 'overdue', '--at', MEASURED_AT, '--role', 'finance-bureau', '--json']);
    expect((JSON.parse(json.stdout) as { items: OverdueItem[] }).items.map((i) => [i.id, i.workingDaysLate])).toEqual([[review.id, WORKING_DAYS_LATE]]);

    // Filters: by role (the holder or the escalation target), by working days late, by kind.
    expect((await overdue(`role=finance-bureau&at=${encodeURIComponent(MEASURED_AT)}`)).body.items.map((i) => i.id)).toEqual([review.id]);
    expect((await overdue(`role=judicial-office&at=${encodeURIComponent(MEASURED_AT)}`)).body.items).toEqual([]);
    expect((await overdue(`overdueBy=${WORKING_DAYS_LATE}&at=${encodeURIComponent(MEASURED_AT)}`)).body.items.map((i) => i.id)).toEqual([review.id]);
    expect((await overdue(`overdueBy=${WORKING_DAYS_LATE + 1}&at=${encodeURIComponent(MEASURED_AT)}`)).body.items).toEqual([]);
    expect((await overdue(`kind=contract&at=${encodeURIComponent(MEASURED_AT)}`)).body.items).toEqual([]);
    // Administrators read the list too; other jurisdictions' staff see none of it; a bad filter is named.
    expect((await overdue(`at=${encodeURIComponent(MEASURED_AT)}`, admin)).body.items.map((i) => i.id)).toEqual([review.id]);
    expect((await overdue(`at=${encodeURIComponent(MEASURED_AT)}`, await stack.token('other.ops', 'ops', 'other-county'))).body.items).toEqual([]);
    expect((await overdue('', await scenario.as('finance-bureau'))).status).toBe(403);
    const badFilter = await overdue('overdueBy=-1');
    expect(badFilter.status).toBe(422);
    expect(JSON.stringify(badFilter.body)).toContain('overdueBy');

    // ── without the ops role, no repair; nothing written ────────────────────────────────────────────
    const repair = (what: 'extension' | 'reassignment' | 'escalation', body: Record<string, unknown>, token = ops) =>
      stack.call('POST', `/ops/tasks/${encodeURIComponent(review.id)}/${what}`, token, { requestId: randomUUID(), reason: '财政局负责人出差', ...body });
    const auditBefore = (await auditOf()).length;
    for (const [what, body] of [
      ['extension', { workingDays: 6 }],
      ['reassignment', { role: 'judicial-office' }],
      ['escalation', {}],
    ] as const) {
      expect((await repair(what, body, admin)).status).toBe(403);
      expect((await repair(what, body, await scenario.as('finance-bureau'))).status).toBe(403);
    }
    // Refusals name the field and write nothing either.
    const earlier = await repair('extension', { until: '2054-09-20T00:00:00Z' });
    expect(earlier.status).toBe(422);
    expect(earlier.body['details']).toEqual([expect.objectContaining({ field: 'until' })]);
    const blank = await repair('extension', { workingDays: 2, reason: '   ' });
    expect(blank.status).toBe(422);
    expect(JSON.stringify(blank.body)).toContain('reason');
    expect((await repair('escalation', {})).status).toBe(409);
    const undeclared = await repair('reassignment', { role: 'tax-bureau' });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body['details']).toEqual([expect.objectContaining({ field: 'role' })]);
    expect((await stack.call('POST', `/ops/tasks/${encodeURIComponent(`${cycleId}/nope#1`)}/escalation`, ops, { requestId: randomUUID(), reason: 'x' })).status).toBe(404);
    expect((await auditOf()).length).toBe(auditBefore);
    expect((await scenario.openTask(cycleId, 'finance-bureau', 'reviewBudget')).dueAt).toBe(REVIEW_DUE);

    // The ops summary counts it under the role holding it now: the escalation target.
    const summaryAt = async () => (await stack.call<{ overdue: number; overdueByRole: Array<{ role: string; count: number }> }>('GET', `/ops/summary?at=${encodeURIComponent(MEASURED_AT)}`, ops)).body;
    expect(await summaryAt()).toMatchObject({ overdue: 1, overdueByRole: [{ role: 'justice-bureau', count: 1 }] });

    // ── the extension: counted on the calendar, audited with its reason, off the list ──────────────
    const extension = { requestId: randomUUID(), workingDays: 6, reason: '财政局负责人出差' };
    const extended = await stack.call('POST', `/ops/tasks/${encodeURIComponent(review.id)}/extension`, ops, extension);
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ taskId: review.id, dueAt: EXTENDED_DUE, role: 'finance-bureau' });
    // The same request again has no second effect.
    expect((await stack.call('POST', `/ops/tasks/${encodeURIComponent(review.id)}/extension`, ops, extension)).body).toEqual(extended.body);
    expect((await overdue(`at=${encodeURIComponent(MEASURED_AT)}`)).body.items).toEqual([]);
    expect(await summaryAt()).toMatchObject({ overdue: 0, overdueByRole: [] });
    expect((await overdue(`at=${encodeURIComponent('2054-10-10T02:00:00Z')}`)).body.items).toEqual([expect.objectContaining({ id: review.id, dueAt: EXTENDED_DUE, workingDaysLate: 1 })]);
    const extendedTrail = (await auditOf()).filter((entry) => entry.action === 'task.deadlineExtended');
    expect(extendedTrail).toEqual([
      expect.objectContaining({ actorId: 'first.ops', actorRole: 'ops', comment: '财政局负责人出差', details: expect.objectContaining({ before: expect.objectContaining({ dueAt: REVIEW_DUE }), after: expect.objectContaining({ dueAt: EXTENDED_DUE }) }) }),
    ]);

    // ── the reassignment: the judicial office's inbox has it, the finance bureau's no longer ───────
    const reassigned = await procureflow(['ops', 'reassign', review.id, '--role', 'judicial-office', '--reason', '财政局负责人出差', '--json']);
    expect(reassigned.code).toBe(0);
    expect(JSON.parse(reassigned.stdout)).toMatchObject({ taskId: review.id, role: 'judicial-office' });
    expect((await scenario.openTasks(cycleId, 'judicial-office')).map((t) => t.id)).toEqual([review.id]);
    expect(await scenario.openTasks(cycleId, 'finance-bureau')).toEqual([]);
    expect((await auditOf()).filter((entry) => entry.action === 'task.reassigned')).toEqual([
      expect.objectContaining({ actorRole: 'ops', details: expect.objectContaining({ before: expect.objectContaining({ role: 'finance-bureau' }), after: expect.objectContaining({ role: 'judicial-office' }) }) }),
    ]);
    // The new holder decides it.
    expect((await scenario.decide({ ...review, role: 'judicial-office' }, { outcome: 'approve' })).status).toBe(200);
    expect((await repair('extension', { workingDays: 1 })).status).toBe(409);
  });

  it('repairs a task of a contract workflow the same way: reassigned, given a due time, then listed as a contract’s when late', async () => {
    const scenario = await procedure();
    const ops = await stack.token('first.ops', 'ops', JURISDICTION);
    const vendors = await scenario.verifiedVendors(['测试县阳光社工服务中心', '测试县和谐社工服务社'], 'justice-bureau');
    const { cycleId, planner } = await scenario.launch({ supervisedPersons: 20 });
    const drive = new CycleDrive(scenario, cycleId, planner, { bidders: vendors, winner: vendors[0]!, priceFen: 1_800_000, leave: (task) => task.nodeId === 'signContract' });
    const { open } = await drive.until((_cycle, tasks) => tasks.some((t) => t.nodeId === 'signContract'), { skip: true });
    const sign = open.find((t) => t.nodeId === 'signContract')!;
    expect(sign).toMatchObject({ role: 'justice-bureau', dueAt: null });
    expect(sign.contractId).not.toBeNull();

    const post = (what: string, body: Record<string, unknown>) =>
      stack.call('POST', `/ops/tasks/${encodeURIComponent(sign.id)}/${what}`, ops, { requestId: randomUUID(), reason: '司法局签约人员变动', ...body });
    expect((await post('reassignment', { role: 'judicial-office' })).status).toBe(200);
    expect((await scenario.openTasks(cycleId, 'judicial-office')).map((t) => [t.id, t.contractId])).toEqual([[sign.id, sign.contractId]]);
    // A task without a deadline gets one; it has no escalation target to escalate to.
    const now = await stack.env.currentTimeMs();
    const until = new Date(now + 2 * 86_400_000).toISOString();
    expect((await post('extension', { until })).body).toMatchObject({ dueAt: until, role: 'judicial-office' });
    expect((await post('escalation', {})).status).toBe(409);
    const late = new Date(now + 3 * 86_400_000).toISOString();
    const listed = (await stack.call<{ items: OverdueItem[] }>('GET', `/ops/overdue?kind=contract&at=${encodeURIComponent(late)}`, ops)).body.items;
    expect(listed).toEqual([
      expect.objectContaining({ id: sign.id, processKind: 'contract', processId: sign.workflowId, dueAt: until, holder: { role: 'judicial-office', escalatedTo: [], vendorId: null, vendorName: null }, escalateTo: null, escalated: false }),
    ]);
    expect((await stack.call<{ items: OverdueItem[] }>('GET', `/ops/overdue?kind=cycle&at=${encodeURIComponent(late)}`, ops)).body.items.map((i) => i.id)).not.toContain(sign.id);
  });

  it('lists a case task a missed obligation raised once it is past its due time', async () => {
    const national = await stack.token('national.administrator', 'administrator', 'cn');
    const lifecycle = readFileSync(path.join(PROJECT_ROOT, 'test/integration/fixtures/case-lifecycle.yaml'), 'utf8');
    expect((await stack.call('POST', '/definitions', national, { files: [{ file: 'test-case-lifecycle.yaml', text: lifecycle }] })).status).toBe(201);
    const officer = await stack.token('first.judicial-office', 'judicial-office', JURISDICTION);
    const enrolled = await stack.call<{ caseId: string }>('POST', '/cases', officer, { lifecycleKey: 'test-case-lifecycle', attributes: { isKeyPerson: true }, requestId: randomUUID() });
    expect(enrolled.status).toBe(201);
    const { caseId } = enrolled.body;
    await eventually(() => stack.call('GET', `/cases/${caseId}`, officer), (answer) => answer.status === 200);
    expect((await stack.call('POST', `/cases/${caseId}/events`, officer, { type: 'intake.completed', payload: {}, requestId: randomUUID() })).status).toBe(200);
    // Nobody visits: the half-month closes unmet and raises a follow-up for the judicial office, due 3 days later.
    await stack.env.sleep(25 * 86_400_000);
    const at = new Date(await stack.env.currentTimeMs()).toISOString();
    const ops = await stack.token('first.ops', 'ops', JURISDICTION);
    const items = (
      await eventually(
        () => stack.call<{ items: OverdueItem[] }>('GET', `/ops/overdue?kind=case&at=${encodeURIComponent(at)}`, ops),
        (answer) => answer.body.items.length > 0,
      )
    ).body.items;
    expect(items[0]).toMatchObject({
      processKind: 'case',
      processId: `case-${caseId}`,
      jurisdiction: JURISDICTION,
      definitionKey: 'test-case-lifecycle',
      step: 'supervision',
      dueKind: 'followUpMissedVisit',
      holder: { role: 'judicial-office', escalatedTo: [], vendorId: null, vendorName: null },
      escalateTo: null,
      escalated: false,
    });
    expect(items[0]!.id.startsWith(`${caseId}/`)).toBe(true);
    expect(items[0]!.workingDaysLate).toEqual(expect.any(Number));
  });
});
