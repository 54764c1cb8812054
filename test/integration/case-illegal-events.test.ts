import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { eventually } from '../support/eventually.js';
import { insertVendor, launchCycle, startContract } from '../support/procurement-fixtures.js';
import { type RunningStack, startStack } from '../support/stack.js';

const JURISDICTION = 'zj-deqing';

interface CaseView {
  state: string;
  final: boolean;
  timeline: Array<{ type: string }>;
}

/**
 * Illegal events on the shipped seed lifecycle (community-correction-case, deployed by the stack itself),
 * through the HTTP API on a real Temporal server: ending the case during intake (its "terminate" is the
 * sentence's end) and recording a visit once it has ended are refused with 409 naming the state and the
 * event, and neither the timeline nor the state moves.
 */
describe('illegal events on a seed-lifecycle case', () => {
  let stack: RunningStack | undefined;
  let dataSource: DataSource;
  let officer = '';
  let staff = '';
  let caseId = '';

  const api = async (method: 'GET' | 'POST', route: string, token: string, body?: unknown) => {
    const response = await fetch(`${(stack as RunningStack).baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const send = (token: string, type: string, payload: Record<string, unknown>) => api('POST', `/cases/${caseId}/events`, token, { type, payload, requestId: randomUUID() });
  const show = async () => (await api('GET', `/cases/${caseId}`, officer)).body as unknown as CaseView;
  const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    stack = await startStack('case-illegal-events', { logLevel: 'warn' });
    dataSource = stack.dataSource;
    const vendor = await insertVendor(dataSource, { name: '德清县阳光社工服务中心' });
    const contractId = await startContract(dataSource, await launchCycle(dataSource, { jurisdiction: JURISDICTION }), { vendorId: vendor.id, vendorName: '德清县阳光社工服务中心' });
    officer = await stack.sign({ userId: 'officer.1', name: '司法所王', roles: ['judicial-office'], jurisdiction: JURISDICTION });
    staff = await stack.sign({ userId: 'staff.1', name: '社工李', roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: vendor.id });
    const enrolled = await api('POST', '/cases', officer, { lifecycleKey: 'community-correction-case', attributes: { riskLevel: 'medium' }, contractId });
    expect(enrolled.status).toBe(201);
    caseId = enrolled.body['caseId'] as string;
    await eventually(() => api('GET', `/cases/${caseId}`, officer), (answer) => answer.status === 200);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('refuses ending the case during intake and a visit once it has ended, naming the state and the event, changing nothing', async () => {
    const early = await send(officer, 'sentence.completed', { date: today() });
    expect(early.status).toBe(409);
    expect(early.body['message']).toBe('The case is in state "intake", which does not accept event "sentence.completed".');
    expect(await show()).toMatchObject({ state: 'intake', final: false, timeline: [] });
    // A visit is not intake's evidence either: refused by the workflow, naming both.
    const visitDuringIntake = await send(staff, 'visit.recorded', { date: today(), place: 'home' });
    expect([visitDuringIntake.status, visitDuringIntake.body['message']]).toEqual([409, 'The case is in state "intake", which does not accept event "visit.recorded".']);

    // Through intake to the sentence's end.
    for (const [token, type, payload] of [
      [staff, 'archive.created', { date: today(), employment: '务工', family: '父母同住', health: '良好' }],
      [staff, 'intakeEducation.recorded', { days: 3, date: today() }],
      [staff, 'psychTest.recorded', { date: today(), outcome: 'normal' }],
      [officer, 'correctionGroup.formed', { members: 3, date: today() }],
      [officer, 'intake.completed', { date: today() }],
      [officer, 'sentence.completed', { date: today() }],
    ] as const) {
      expect([type, (await send(token, type, payload)).status]).toEqual([type, 200]);
    }
    const ended = await eventually(show, (view) => view.final);
    expect({ state: ended.state, events: ended.timeline.length }).toEqual({ state: 'released', events: 6 });

    const late = await send(staff, 'visit.recorded', { date: today(), place: 'home' });
    expect(late.status).toBe(409);
    expect(late.body['message']).toBe('The case is in state "released", which does not accept event "visit.recorded".');
    expect(await show()).toEqual(ended);
  });
});
