import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protos from '@temporalio/proto';
import { caseWorkflowId } from '../../workflows/cases/messages.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { ScenarioStack } from './http-driver.js';

const { History } = protos.temporal.api.history.v1;

const LIFECYCLE = readFileSync(fileURLToPath(new URL('../integration/fixtures/case-lifecycle.yaml', import.meta.url)), 'utf8');
const JURISDICTION = 'zj-deqing';
const OPINION = '审前调查意见：建议适用社区矫正（保密）-c41e';

interface CaseView {
  id: string;
  state: string;
  final: boolean;
  vendorId: string | null;
  openBreaches: number;
  obligations: Array<{ id: string; total: number; required: number; met: boolean; periodEndsAt: string | null }>;
  periods: Array<{ obligation: string; period: number | null; endedAt: string | null; total: number; required: number; met: boolean }>;
  breaches: Array<{ obligation: string; period: number | null; startedAt: string | null; endedAt: string | null; taskId: string | null }>;
  tasks: Array<{ id: string; role: string; status: string; dueAt: string | null; comment: string | null }>;
  timeline: Array<{ seq: number; type: string; at: string; role: string; payload: Record<string, unknown>; withheld: string[] }>;
}

/**
 * A supervised person's case through the HTTP API on the time-skipping server, with the clock pinned at
 * PINNED_START (2054-03-02 09:00 +08:00): enrolment, evidence, refusals, a missed half-month visit of a key
 * person, a month's education met over three sessions, and the confidential investigation opinion kept
 * from everyone the lifecycle does not name.
 */
describe('cases through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('cases');
  let officer: string;
  let staffA: string;
  let staffB: string;
  let contractId: string;

  beforeAll(async () => {
    const national = await stack.token('national.administrator', 'administrator', 'cn');
    const deployed = await stack.call('POST', '/definitions', national, { files: [{ file: 'test-case-lifecycle.yaml', text: LIFECYCLE }] });
    expect(deployed.status).toBe(201);
    const vendorA = await insertVendor(stack.dataSource, { name: '德清县阳光社工服务中心' });
    const vendorB = await insertVendor(stack.dataSource, { name: '湖州市启航社工事务所' });
    contractId = await startContract(stack.dataSource, await launchCycle(stack.dataSource, { jurisdiction: JURISDICTION }), { vendorId: vendorA.id, vendorName: '德清县阳光社工服务中心' });
    officer = await stack.token('first.judicial-office', 'judicial-office', JURISDICTION);
    staffA = await stack.token('staff.a', 'vendor', JURISDICTION, vendorA.id);
    staffB = await stack.token('staff.b', 'vendor', JURISDICTION, vendorB.id);
  });

  const show = async (caseId: string, token = officer) => {
    const answer = await stack.call<CaseView>('GET', `/cases/${caseId}`, token);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  /** The case once the read model has it (enrolment lands just after the answer to POST /cases). */
  const projected = async (caseId: string): Promise<CaseView | undefined> => {
    const answer = await stack.call<CaseView>('GET', `/cases/${caseId}`, officer);
    return answer.status === 200 ? answer.body : undefined;
  };
  const send = (caseId: string, token: string, type: string, payload: Record<string, unknown> = {}, requestId = randomUUID()) =>
    stack.call<{ message?: string; seq?: number; state?: string; details?: Array<{ field: string }> }>('POST', `/cases/${caseId}/events`, token, { type, payload, requestId });

  it('runs a key person’s case from enrolment to termination', async () => {
    const enrolled = await stack.call<{ caseId: string; vendorId: string }>('POST', '/cases', officer, { lifecycleKey: 'test-case-lifecycle', attributes: { isKeyPerson: true }, contractId });
    expect(enrolled.status).toBe(201);
    const { caseId } = enrolled.body;
    expect((await stack.call('POST', '/cases', officer, { lifecycleKey: 'test-case-lifecycle', attributes: { isKeyPerson: 'yes' } })).body).toMatchObject({
      details: [{ field: 'attributes.isKeyPerson' }],
    });

    // Terminating during intake is refused, naming the state and the event, and changes nothing.
    const early = await send(caseId, officer, 'case.terminated');
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('"intake"');
    expect(early.body.message).toContain('"case.terminated"');
    await eventually(() => projected(caseId), (view) => view?.state === 'intake');
    expect((await show(caseId)).timeline).toEqual([]);

    // Another organisation's staff may not record; the serving organisation's may, once per request id.
    expect((await send(caseId, staffB, 'investigation.recorded', { date: '2054-03-02', opinion: OPINION })).status).toBe(403);
    const requestId = randomUUID();
    const first = await send(caseId, staffA, 'investigation.recorded', { date: '2054-03-02', opinion: OPINION }, requestId);
    const again = await send(caseId, staffA, 'investigation.recorded', { date: '2054-03-02', opinion: OPINION }, requestId);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);

    expect((await send(caseId, officer, 'intake.completed')).body).toMatchObject({ state: 'supervision' });
    expect((await send(caseId, staffA, 'education.recorded', { hours: 30, date: '2054-03-02' })).body).toMatchObject({ details: [{ field: 'payload.hours' }] });
    for (const hours of [3, 3, 2]) expect((await send(caseId, staffA, 'education.recorded', { hours, date: '2054-03-02' })).status).toBe(200);

    // Periods by hand: supervision from 2054-03-02 09:00 +08:00; half-months end 03-16 00:00 and 04-01 00:00 +08:00,
    // the month at 04-01 00:00 +08:00; the raised task is due 3 days after its period ends.
    await stack.skipTo('2054-03-31T16:00:01.000Z');
    const view = await eventually(() => show(caseId), (v) => v.periods.some((p) => p.obligation === 'monthlyEducation'));
    // Supervision, and its periods, began when intake was completed (workflow time, just after the pinned start).
    const supervisionFrom = view.timeline.find((e) => e.type === 'intake.completed')?.at as string;
    expect(supervisionFrom.startsWith('2054-03-02T01:')).toBe(true);
    expect(view.breaches.map(({ obligation, period, startedAt, endedAt }) => ({ obligation, period, startedAt, endedAt }))).toEqual([
      { obligation: 'keyPersonVisit', period: 0, startedAt: supervisionFrom, endedAt: '2054-03-15T16:00:00.000Z' },
      { obligation: 'keyPersonVisit', period: 1, startedAt: '2054-03-15T16:00:00.000Z', endedAt: '2054-03-31T16:00:00.000Z' },
    ]);
    expect(view.periods.filter((p) => p.obligation === 'monthlyEducation')).toEqual([
      { obligation: 'monthlyEducation', state: 'supervision', period: 0, startedAt: supervisionFrom, endedAt: '2054-03-31T16:00:00.000Z', total: 8, required: 8, met: true, partial: true },
    ]);
    const taskId = view.breaches[0]?.taskId as string;
    expect(view.tasks.find((t) => t.id === taskId)).toMatchObject({ role: 'judicial-office', status: 'open', dueAt: '2054-03-18T16:00:00.000Z' });
    expect(view.openBreaches).toBe(2);

    const listed = await stack.call<{ total: number; cases: Array<{ id: string }> }>('GET', '/cases?openBreach=true', officer);
    expect(listed.body.cases.map((c) => c.id)).toContain(caseId);
    expect((await stack.call<{ cases: Array<{ id: string }> }>('GET', '/cases', staffB)).body.cases.map((c) => c.id)).not.toContain(caseId);

    expect((await stack.call('POST', `/cases/${caseId}/tasks/${taskId}`, staffA, { comment: '已走访', requestId: randomUUID() })).status).toBe(403);
    expect((await stack.call('POST', `/cases/${caseId}/tasks/${taskId}`, officer, { comment: '已约谈社工，补做走访', requestId: randomUUID() })).status).toBe(200);
    expect((await show(caseId)).tasks.find((t) => t.id === taskId)).toMatchObject({ status: 'done', comment: '已约谈社工，补做走访' });

    // The opinion: the judicial office reads it; the vendor's staff, the case_events rows and Temporal's history do not hold it.
    const investigation = (v: CaseView) => v.timeline.find((e) => e.type === 'investigation.recorded');
    expect(investigation(await show(caseId))?.payload).toEqual({ date: '2054-03-02', opinion: OPINION });
    expect(investigation(await show(caseId, staffA))).toMatchObject({ payload: { date: '2054-03-02' }, withheld: ['opinion'] });
    expect(JSON.stringify(await stack.dataSource.query(`SELECT * FROM case_events WHERE case_id = $1`, [caseId]))).not.toContain(OPINION);
    const history = await stack.env.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    expect(Buffer.from(History.encode(history).finish()).includes(Buffer.from(OPINION, 'utf8'))).toBe(false);

    // Terminated, the case takes no visit; the refusal names the state and the event, and nothing changes.
    expect((await send(caseId, officer, 'case.terminated')).body).toMatchObject({ state: 'terminated', final: true });
    const ended = await eventually(() => show(caseId), (v) => v.final);
    const late = await send(caseId, staffA, 'visit.recorded', { date: '2054-04-01' });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('"terminated"');
    expect(late.body.message).toContain('"visit.recorded"');
    const after = await show(caseId);
    expect({ state: after.state, final: after.final, timeline: after.timeline }).toEqual({ state: 'terminated', final: true, timeline: ended.timeline });
    expect(ended.timeline.filter((e) => e.type === 'investigation.recorded')).toHaveLength(1);
  });

  it('serves the same through `procureflow cases` with --json', async () => {
    const cli = async (token: string, ...args: string[]) => {
      const finished = await runToCompletion(PROCUREFLOW_BIN, {}, ['cases', ...args, '--json', '--api', stack.baseUrl, '--token', token]);
      return { code: finished.code, body: JSON.parse(finished.stdout || '{}') as Record<string, unknown> };
    };
    // In April 2054 (where the test before left the clock, or moved there when this one runs alone).
    if ((await stack.env.currentTimeMs()) < Date.parse('2054-03-31T16:00:01.000Z')) await stack.skipTo('2054-03-31T16:00:01.000Z');
    const enrolled = await cli(officer, 'enrol', '--lifecycle', 'test-case-lifecycle', '--contract', contractId, '--attribute', 'isKeyPerson=false');
    expect(enrolled.code).toBe(0);
    const caseId = enrolled.body['caseId'] as string;
    expect(await cli(officer, 'event', caseId, 'intake.completed')).toMatchObject({ code: 0, body: { state: 'supervision' } });
    expect(await cli(staffA, 'event', caseId, 'visit.recorded', '--field', 'date=2054-04-01', '--field', 'notes=家访，情况稳定')).toMatchObject({ code: 0 });
    // Vendor staff may not terminate a case: not allowed, exit code 4, and nothing happens.
    expect((await cli(staffA, 'event', caseId, 'case.terminated')).code).toBe(4);

    const listed = await cli(officer, 'list', '--state', 'supervision');
    expect((listed.body['cases'] as Array<{ id: string }>).map((c) => c.id)).toContain(caseId);
    // Not a key person, so only the month's education is due: at 2054-05-01 00:00 +08:00, not at the half-month.
    const ids = async (...filter: string[]) => ((await cli(officer, 'list', ...filter)).body['cases'] as Array<{ id: string }>).map((c) => c.id);
    expect(await ids('--due-before', '2054-04-30T16:00:01Z')).toContain(caseId);
    expect(await ids('--due-before', '2054-04-30T16:00:00Z')).not.toContain(caseId);
    const shown = await cli(staffA, 'show', caseId);
    expect((shown.body['timeline'] as Array<{ type: string; payload: unknown }>).map(({ type, payload }) => ({ type, payload }))).toEqual([
      { type: 'intake.completed', payload: {} },
      { type: 'visit.recorded', payload: { date: '2054-04-01', notes: '家访，情况稳定' } },
    ]);
    expect(shown.body['state']).toBe('supervision');
    expect((await runToCompletion(PROCUREFLOW_BIN, {}, ['cases', 'tasks', caseId, '--json', '--api', stack.baseUrl, '--token', officer])).stdout.trim()).toBe('[]');
  });
});
