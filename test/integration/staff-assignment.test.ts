import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCaseEvidenceActivities } from '../../activities/case-evidence.js';
import { ScenarioStack } from '../scenario/http-driver.js';
import { eventually } from '../support/eventually.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';

const LIFECYCLE = readFileSync(fileURLToPath(new URL('./fixtures/staffed-case-lifecycle.yaml', import.meta.url)), 'utf8');
const JURISDICTION = 'zj-deqing';
/** The fixture's social-worker ratio, as the refusals and the report name it. */
const WORKER_RATIO = { lifecycleKey: 'test-staffed-case', lifecycleVersion: 1, key: 'staffing.socialWorker.maxCasesEach', value: 2, cited: 'seed 004_f522fc3792ed1dfa.txt §二(三)' };
const VOLUNTEER_RATIO = { lifecycleKey: 'test-staffed-case', lifecycleVersion: 1, key: 'staffing.volunteer.minPerCase', value: 1, cited: 'seed 004_f522fc3792ed1dfa.txt §二(三)' };

interface Member {
  id: string;
  name: string;
  kind: string;
  joinedOn: string;
  leftOn: string | null;
  current: boolean;
  activeCases: number;
}
interface Assigned {
  staffId: string;
  name: string;
  kind: string;
  endedAt: string | null;
}
interface Assignment {
  caseId: string;
  socialWorker: Assigned | null;
  volunteers: Assigned[];
  history: Assigned[];
}
interface ErrorBody {
  message: string;
  details: Array<{ field: string; problem: string }>;
}

/**
 * A vendor's social workers and volunteers, case assignment under the lifecycle's ratios, and the
 * staffing report, through the HTTP API and the CLI (real PostgreSQL, the time-skipping Temporal server:
 * cases are enrolled at the pinned start, 2054-03-02 09:00 +08:00; staff join and assignments are made
 * on this machine's clock, in 2026 or later, so before the instants the report is asked about).
 */
describe('staff and staffing ratios through the HTTP API', () => {
  const stack = ScenarioStack.forThisFile('staff');
  let officer: string;
  let finance: string;
  let staffA: string;
  let staffB: string;
  let vendorA: string;
  let vendorB: string;
  let contractId: string;
  /** Members of vendor A by a short label. */
  const members: Record<string, Member> = {};
  let outsider: Member;

  beforeAll(async () => {
    const national = await stack.token('national.administrator', 'administrator', 'cn');
    expect((await stack.call('POST', '/definitions', national, { files: [{ file: 'test-staffed-case.yaml', text: LIFECYCLE }] })).status).toBe(201);
    vendorA = (await insertVendor(stack.dataSource, { name: '德清县阳光社工服务中心' })).id;
    vendorB = (await insertVendor(stack.dataSource, { name: '湖州市启航社工事务所' })).id;
    contractId = await startContract(stack.dataSource, await launchCycle(stack.dataSource, { jurisdiction: JURISDICTION }), { vendorId: vendorA, vendorName: '德清县阳光社工服务中心' });
    officer = await stack.token('first.judicial-office', 'judicial-office', JURISDICTION);
    finance = await stack.token('finance.officer', 'finance-bureau', JURISDICTION);
    staffA = await stack.token('staff.a', 'vendor', JURISDICTION, vendorA);
    staffB = await stack.token('staff.b', 'vendor', JURISDICTION, vendorB);
  });

  const register = (token: string, vendorId: string, body: Record<string, unknown>) =>
    stack.call<Member & ErrorBody>('POST', `/vendors/${vendorId}/staff`, token, { requestId: randomUUID(), ...body });
  const assign = (token: string, caseId: string, socialWorkerId: string, volunteerIds: string[] = [], requestId = randomUUID()) =>
    stack.call<Assignment & ErrorBody>('POST', `/cases/${caseId}/assignment`, token, { socialWorkerId, volunteerIds, requestId });
  const staffRows = async (vendorId: string) => ((await stack.dataSource.query(`SELECT count(*)::int AS n FROM vendor_staff WHERE vendor_id = $1`, [vendorId])) as [{ n: number }])[0].n;
  const assignmentRows = async () => ((await stack.dataSource.query(`SELECT count(*)::int AS n FROM case_assignments`)) as [{ n: number }])[0].n;
  /** Enrols a case of vendor A's contract and waits until the read model has it. */
  const enrol = async (): Promise<string> => {
    const enrolled = await stack.call<{ caseId: string }>('POST', '/cases', officer, { lifecycleKey: 'test-staffed-case', contractId });
    expect(enrolled.status).toBe(201);
    await eventually(() => stack.call('GET', `/cases/${enrolled.body.caseId}`, officer), (answer) => answer.status === 200);
    return enrolled.body.caseId;
  };

  it('lets only the vendor’s own staff register its members, once per request id, refusing bad fields by name', async () => {
    const requestId = randomUUID();
    const first = await register(staffA, vendorA, { name: '李红', kind: 'socialWorker', qualification: '社会工作者职业资格（社会工作师）', joinedOn: '2026-01-05', requestId });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: '李红', kind: 'socialWorker', vendorId: vendorA, joinedOn: '2026-01-05', leftOn: null, current: true, activeCases: 0 });
    const again = await register(staffA, vendorA, { name: '李红', kind: 'socialWorker', qualification: '社会工作者职业资格（社会工作师）', joinedOn: '2026-01-05', requestId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const reused = await register(staffA, vendorA, { name: '王明', kind: 'socialWorker', requestId });
    expect(reused.status).toBe(409);
    expect(reused.body.details).toEqual([expect.objectContaining({ field: 'requestId' })]);
    members['w1'] = first.body;

    // Bad fields: 422 naming each, and nothing written.
    const before = await staffRows(vendorA);
    expect((await register(staffA, vendorA, { name: '王明', kind: 'caseworker' })).body.details.map((d) => d.field)).toEqual(['kind']);
    expect((await register(staffA, vendorA, { name: '  ', kind: 'volunteer' })).body.details.map((d) => d.field)).toEqual(['name']);
    expect((await register(staffA, vendorA, { name: '王明', kind: 'volunteer', joinedOn: '2026-02-30' })).body.details.map((d) => d.field)).toEqual(['joinedOn']);
    expect((await register(staffA, vendorA, { name: '王明', kind: 'volunteer', requestId: 'has space' })).status).toBe(422);
    expect(await staffRows(vendorA)).toBe(before);

    // Who may write and read: another vendor's staff find no such vendor; the judicial office reads but does not register; finance neither.
    expect((await register(staffB, vendorA, { name: '赵六', kind: 'socialWorker' })).status).toBe(404);
    expect((await stack.call('GET', `/vendors/${vendorA}/staff`, staffB)).status).toBe(404);
    expect((await register(officer, vendorA, { name: '赵六', kind: 'socialWorker' })).status).toBe(403);
    expect((await stack.call('GET', `/vendors/${vendorA}/staff`, finance)).status).toBe(403);
    expect(await staffRows(vendorA)).toBe(before);

    for (const [label, body] of [
      ['w2', { name: '王明', kind: 'socialWorker', joinedOn: '2026-02-01' }],
      ['w3', { name: '陈静', kind: 'socialWorker', joinedOn: '2025-01-01' }],
      ['w4', { name: '周强', kind: 'socialWorker', joinedOn: '2026-03-01' }],
      ['v1', { name: '张志愿', kind: 'volunteer', joinedOn: '2026-01-10' }],
      ['v2', { name: '刘志愿', kind: 'volunteer', joinedOn: '2026-01-10' }],
    ] as const) {
      const answer = await register(staffA, vendorA, body);
      expect(answer.status).toBe(201);
      members[label] = answer.body;
    }
    const outside = await register(staffB, vendorB, { name: '孙外', kind: 'socialWorker', joinedOn: '2026-01-01' });
    expect(outside.status).toBe(201);
    outsider = outside.body;

    // 陈静 left on 2026-01-15 (a day already past on any clock this test runs on); once only.
    const leftRequest = randomUUID();
    const left = await stack.call<Member>('POST', `/vendors/${vendorA}/staff/${members['w3']!.id}/departure`, staffA, { leftOn: '2026-01-15', requestId: leftRequest });
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ leftOn: '2026-01-15', current: false });
    expect((await stack.call('POST', `/vendors/${vendorA}/staff/${members['w3']!.id}/departure`, staffA, { leftOn: '2026-01-15', requestId: leftRequest })).body).toEqual(left.body);
    expect((await stack.call('POST', `/vendors/${vendorA}/staff/${members['w3']!.id}/departure`, staffA, { leftOn: '2026-01-20', requestId: randomUUID() })).status).toBe(409);
    expect((await stack.call<ErrorBody>('POST', `/vendors/${vendorA}/staff/${members['w2']!.id}/departure`, staffA, { leftOn: '2026-06-01', requestId: leftRequest })).body.details).toEqual([
      expect.objectContaining({ field: 'requestId' }),
    ]);
    expect((await stack.call<ErrorBody>('POST', `/vendors/${vendorA}/staff/${members['w2']!.id}/departure`, staffA, { leftOn: '2026-01-01', requestId: randomUUID() })).body.details).toEqual([
      expect.objectContaining({ field: 'leftOn' }),
    ]);

    const listed = await stack.call<{ staff: Member[] }>('GET', `/vendors/${vendorA}/staff`, officer);
    expect(listed.status).toBe(200);
    expect(listed.body.staff.map((m) => `${m.kind} ${m.name} ${m.leftOn ?? '-'}`).sort()).toEqual(
      ['socialWorker 周强 -', 'socialWorker 李红 -', 'socialWorker 王明 -', 'socialWorker 陈静 2026-01-15', 'volunteer 刘志愿 -', 'volunteer 张志愿 -'].sort(),
    );
    expect((await stack.call<{ staff: Member[] }>('GET', `/vendors/${vendorA}/staff?current=true&kind=socialWorker`, staffA)).body.staff.map((m) => m.name).sort()).toEqual(['周强', '李红', '王明'].sort());
    expect((await stack.call<ErrorBody>('GET', `/vendors/${vendorA}/staff?kind=boss`, officer)).body.details.map((d) => d.field)).toEqual(['kind']);
  });

  let cases: string[] = [];

  it('assigns up to the ratio and refuses one past it, another vendor’s worker, a departed one and the wrong kind, naming them', async () => {
    cases = [await enrol(), await enrol(), await enrol()];
    const [c1, c2, c3] = cases as [string, string, string];
    const { w1, w2, w3, v1, v2 } = members as Record<string, Member>;

    expect((await assign(officer, c1, w1!.id, [v1!.id])).body).toMatchObject({ socialWorker: { staffId: w1!.id, name: '李红' }, volunteers: [{ staffId: v1!.id }] });
    expect((await assign(staffA, c2, w1!.id)).status).toBe(200);

    // A third case would give 李红 three, past the fixture's 1:2.
    const rows = await assignmentRows();
    const past = await assign(officer, c3, w1!.id);
    expect(past.status).toBe(409);
    expect(past.body.message).toBe(
      `The assignment would break a staffing ratio: social worker 李红 (${w1!.id}) would serve 3 active cases, more than 2 ` +
        '(1:2, staffing.socialWorker.maxCasesEach of lifecycle test-staffed-case v1, seed 004_f522fc3792ed1dfa.txt §二(三)).',
    );
    expect(past.body.details).toEqual([{ field: 'socialWorkerId', problem: '李红 would serve 3 cases; staffing.socialWorker.maxCasesEach is 2' }]);

    const foreign = await assign(officer, c3, outsider.id);
    expect(foreign.status).toBe(422);
    expect(foreign.body.details).toEqual([{ field: 'socialWorkerId', problem: `孙外 (${outsider.id}) is staff of another organisation, not of the vendor serving the case` }]);
    const departed = await assign(officer, c3, w3!.id);
    expect(departed.status).toBe(409);
    expect(departed.body.details).toEqual([{ field: 'socialWorkerId', problem: `陈静 (${w3!.id}) left on 2026-01-15` }]);
    expect((await assign(officer, c3, v1!.id)).body.details).toEqual([{ field: 'socialWorkerId', problem: `张志愿 (${v1!.id}) is a volunteer, not a socialWorker` }]);
    expect((await assign(officer, c3, w2!.id, [outsider.id])).body.details).toEqual([{ field: 'volunteerIds.0', problem: `孙外 (${outsider.id}) is staff of another organisation, not of the vendor serving the case` }]);
    expect((await assign(officer, c3, 'not-a-uuid')).body.details.map((d) => d.field)).toEqual(['socialWorkerId']);
    // Another vendor's staff do not see the case; finance may not staff it.
    expect((await assign(staffB, c3, outsider.id)).status).toBe(404);
    expect((await assign(finance, c3, w2!.id)).status).toBe(403);
    expect(await assignmentRows()).toBe(rows);

    // Reassigning c1 to 王明 with two volunteers frees 李红 for c3; the history keeps who served when.
    const requestId = randomUUID();
    const moved = await assign(staffA, c1, w2!.id, [v1!.id, v2!.id], requestId);
    expect(moved.status).toBe(200);
    expect(await assign(staffA, c1, w2!.id, [v1!.id, v2!.id], requestId)).toEqual(moved);
    expect((await assign(staffA, c1, w1!.id, [], requestId)).status).toBe(409);
    expect((await assign(staffA, c3, w2!.id, [v1!.id, v2!.id], requestId)).body.details).toEqual([expect.objectContaining({ field: 'requestId' })]);
    expect((await assign(officer, c3, w1!.id)).status).toBe(200);

    const shown = await stack.call<{ assignment: Assignment }>('GET', `/cases/${c1}`, officer);
    expect(shown.body.assignment.socialWorker?.staffId).toBe(w2!.id);
    expect(shown.body.assignment.volunteers.map((v) => v.name)).toEqual(['张志愿', '刘志愿']);
    expect(shown.body.assignment.history.map((h) => [h.name, h.kind, h.endedAt === null ? 'open' : 'ended'])).toEqual([
      ['李红', 'socialWorker', 'ended'],
      ['张志愿', 'volunteer', 'open'],
      ['王明', 'socialWorker', 'open'],
      ['刘志愿', 'volunteer', 'open'],
    ]);
    // Each assignment that took effect is audited once; the repeated request and the refusals are not.
    const audited = (await stack.dataSource.query(`SELECT actor_id AS "actorId", details FROM audit_entries WHERE action = 'case.assigned' AND subject_id = $1 ORDER BY id`, [c1])) as Array<{
      actorId: string;
      details: { socialWorkerId: string; volunteerIds: string[]; unassigned: string[] };
    }>;
    expect(audited).toEqual([
      { actorId: 'first.judicial-office', details: { vendorId: vendorA, socialWorkerId: w1!.id, volunteerIds: [v1!.id], unassigned: [] } },
      { actorId: 'staff.a', details: { vendorId: vendorA, socialWorkerId: w2!.id, volunteerIds: [v1!.id, v2!.id], unassigned: [w1!.id] } },
    ]);
    const byWorker = await stack.call<{ cases: Array<{ id: string }> }>('GET', `/cases?worker=${w1!.id}`, officer);
    expect(byWorker.body.cases.map((c) => c.id).sort()).toEqual([c2, c3].sort());
    expect((await stack.call<ErrorBody>('GET', '/cases?worker=someone', officer)).body.details.map((d) => d.field)).toEqual(['worker']);
    expect((await stack.call<{ staff: Member[] }>('GET', `/vendors/${vendorA}/staff?kind=socialWorker`, officer)).body.staff.find((m) => m.id === w1!.id)?.activeCases).toBe(2);
  });

  it('lets no two concurrent assignments take a worker past the ratio', async () => {
    const fresh = [await enrol(), await enrol(), await enrol(), await enrol()];
    cases.push(...fresh);
    const w4 = members['w4'] as Member;
    // Hold every assignment at its first write, after it has judged the ratio, until all four are in flight:
    // judged without the worker's row lock, each would count 周强's cases before any other had written.
    const gate = stack.dataSource.createQueryRunner();
    await gate.connect();
    await gate.startTransaction();
    await gate.query('LOCK TABLE case_assignment_requests IN EXCLUSIVE MODE');
    const pending = fresh.map((caseId) => assign(officer, caseId, w4.id));
    await eventually(
      async () => ((await stack.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as [{ n: number }])[0].n,
      (waiting) => waiting === fresh.length,
    );
    await gate.commitTransaction();
    await gate.release();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.message).toContain(`social worker 周强 (${w4.id}) would serve 3 active cases, more than 2`);
    const open = (await stack.dataSource.query(`SELECT count(*)::int AS n FROM case_assignments WHERE staff_id = $1 AND ended_at IS NULL`, [w4.id])) as [{ n: number }];
    expect(open[0].n).toBe(2);
  });

  it('reports the breaches at an instant: cases without a social worker or short of volunteers, and workers who have left', async () => {
    const [c1, c2, c3, ...fresh] = cases as [string, string, string, ...string[]];
    const w4 = members['w4'] as Member;
    const served = new Set((await stack.call<{ cases: Array<{ id: string }> }>('GET', `/cases?worker=${w4.id}`, officer)).body.cases.map((c) => c.id));
    const unserved = fresh.filter((id) => !served.has(id)).sort();
    expect(unserved).toHaveLength(2);
    // c2 ends (on the workflow's clock, 2054-03-02); 王明 leaves on 2054-05-01, so from then c1 has no social worker.
    expect((await stack.call('POST', `/cases/${c2}/events`, officer, { type: 'case.terminated', requestId: randomUUID() })).status).toBe(200);
    await eventually(() => stack.call<{ final: boolean }>('GET', `/cases/${c2}`, officer), (answer) => answer.body.final);
    expect((await stack.call('POST', `/vendors/${vendorA}/staff/${members['w2']!.id}/departure`, staffA, { leftOn: '2054-05-01', requestId: randomUUID() })).status).toBe(200);

    const report = (at: string, token = officer, extra = '') => stack.call<Record<string, unknown>>('GET', `/vendors/${vendorA}/staffing?at=${encodeURIComponent(at)}${extra}`, token);
    const withoutWorker = (ids: string[]) => ids.sort().map((caseId) => ({ caseId, contractId, ratio: WORKER_RATIO }));
    const shortOfVolunteers = (ids: string[]) => ids.sort().map((caseId) => ({ caseId, contractId, volunteers: 0, ratio: VOLUNTEER_RATIO }));

    // 2054-04-01 00:00 +08:00: active c1, c3 and the four fresh ones (c2 ended); social workers 李红, 王明, 周强 (陈静 left in 2026);
    // c1 has 王明 and two volunteers; c3 has 李红; two fresh ones have 周强; the other two have nobody; no one but c1 has a volunteer.
    const april = await report('2054-04-01T00:00:00+08:00');
    expect(april.status).toBe(200);
    expect(april.body).toEqual({
      vendorId: vendorA,
      contractId: null,
      at: '2054-03-31T16:00:00.000Z',
      activeCases: 6,
      socialWorkers: 3,
      volunteers: 2,
      overloadedWorkers: [],
      casesWithoutSocialWorker: withoutWorker([...unserved]),
      casesShortOfVolunteers: shortOfVolunteers([c3, ...fresh]),
      breaches: 2 + 5,
    });
    // 2054-06-01: 王明 has left, so c1 has no social worker either.
    const june = await report('2054-06-01T00:00:00+08:00');
    expect(june.body).toMatchObject({ activeCases: 6, socialWorkers: 2, volunteers: 2, casesWithoutSocialWorker: withoutWorker([c1, ...unserved]), breaches: 3 + 5 });
    // A ledger line `source: { cases: staffingBreaches }` holds the same count, measured when the ledger is handed in:
    // the contract workflow asks this activity at the submission instant.
    const { compileCaseEvidence } = createCaseEvidenceActivities({ dataSource: stack.dataSource });
    const staffingLine = async (through: string) =>
      (await compileCaseEvidence({ contractId, from: '2054-03-01T00:00:00.000Z', through, lines: [{ id: 'staffingBreaches', metric: 'staffingBreaches' }] })).lines;
    expect(await staffingLine('2054-03-31T16:00:00.000Z')).toEqual({ staffingBreaches: 2 + 5 });
    expect(await staffingLine('2054-05-31T16:00:00.000Z')).toEqual({ staffingBreaches: 3 + 5 });
    expect((await compileCaseEvidence({ contractId: 'other-contract', from: '2054-03-01T00:00:00.000Z', through: '2054-05-31T16:00:00.000Z', lines: [{ id: 'staffingBreaches', metric: 'staffingBreaches' }] })).lines).toEqual({ staffingBreaches: 0 });
    // Scoped to another contract, there is nothing to measure; the vendor's own staff read it too, other vendors do not.
    expect((await report('2054-06-01T00:00:00+08:00', staffA, '&contractId=other-contract')).body).toMatchObject({ contractId: 'other-contract', activeCases: 0, breaches: 0 });
    expect((await report('2054-06-01T00:00:00+08:00', staffB)).status).toBe(404);
    expect((await report('2054-06-01T00:00:00+08:00', finance)).status).toBe(403);
    expect((await report('next tuesday')).body).toMatchObject({ details: [{ field: 'at' }] });
  });

  it('serves the same through `procureflow staff` and `procureflow cases assign` with --json', async () => {
    const cli = async (token: string, ...args: string[]) => {
      const finished = await runToCompletion(PROCUREFLOW_BIN, {}, [...args, '--json', '--api', stack.baseUrl, '--token', token]);
      return { code: finished.code, body: JSON.parse(finished.stdout || '{}') as Record<string, unknown> };
    };
    const registered = await cli(staffA, 'staff', 'register', vendorA, '--name', '黄新', '--kind', 'socialWorker', '--joined', '2026-04-01', '--qualification', '助理社会工作师');
    expect(registered).toMatchObject({ code: 0, body: { name: '黄新', kind: 'socialWorker', joinedOn: '2026-04-01', qualification: '助理社会工作师', vendorId: vendorA } });
    const worker = registered.body['id'] as string;
    expect((await cli(staffA, 'staff', 'register', vendorA, '--name', '黄新', '--kind', 'boss')).code).toBe(2);
    expect((await cli(officer, 'staff', 'register', vendorA, '--name', '黄新', '--kind', 'volunteer')).code).toBe(4);

    const listed = await cli(officer, 'staff', 'list', vendorA, '--kind', 'socialWorker', '--current');
    expect(listed.body).toEqual((await stack.call('GET', `/vendors/${vendorA}/staff?kind=socialWorker&current=true`, officer)).body);
    expect((listed.body['staff'] as Member[]).map((m) => m.id)).toContain(worker);

    const caseId = await enrol();
    const assigned = await cli(officer, 'cases', 'assign', caseId, '--social-worker', worker, '--volunteer', (members['v1'] as Member).id);
    expect(assigned).toMatchObject({ code: 0, body: { caseId, socialWorker: { staffId: worker, name: '黄新' }, volunteers: [{ name: '张志愿' }] } });
    expect((await cli(officer, 'cases', 'list', '--worker', worker)).body['cases']).toEqual([expect.objectContaining({ id: caseId })]);
    // 周强 already serves two active cases: refused, with the API's message.
    const refused = await cli(officer, 'cases', 'assign', caseId, '--social-worker', (members['w4'] as Member).id);
    expect(refused.code).not.toBe(0);
    expect(String(refused.body['error'])).toContain(`social worker 周强 (${(members['w4'] as Member).id}) would serve 3 active cases, more than 2`);

    const at = '2054-04-01T00:00:00+08:00';
    expect((await cli(officer, 'staff', 'report', vendorA, '--at', at)).body).toEqual((await stack.call('GET', `/vendors/${vendorA}/staffing?at=${encodeURIComponent(at)}`, officer)).body);
    const left = await cli(staffA, 'staff', 'leave', vendorA, worker, '--on', '2054-07-01');
    expect(left).toMatchObject({ code: 0, body: { id: worker, leftOn: '2054-07-01' } });
  });
});
