import { randomUUID } from 'node:crypto';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { WITH_CHECKS } from '../support/checked-procedure.js';
import { eventually } from '../support/eventually.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { readModelSnapshot } from '../support/procurement-fixtures.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const RATIO = '社工与服务对象之比不低于1:20 One social worker per 20 persons served at most';
const INPUT_RATIO = '社工与矫正对象之比不低于1:20 One social worker per 20 supervised persons at most';

interface TaskView {
  id: string;
  taskInstanceId: string;
  status: string;
}

/**
 * Checks across a form's fields through the HTTP API, on real PostgreSQL and the real Temporal dev
 * server: a launch and a task decision that break a check are refused 422 with its message and the
 * fields it reads, and nothing is written: no cycle, no decision, no audit entry.
 */
describe('checks across form fields, through the API', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startProcurementApi('field-checks', { temporal: 'shared' });
    tokens['admin'] = await tokenFor({ userId: 'admin', name: '王芳', roles: ['administrator'], jurisdiction: JURISDICTION });
    tokens['drafter'] = await tokenFor({ userId: 'drafter', name: '周敏', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
    tokens['national'] = await tokenFor({ userId: 'national', name: '赵部', roles: ['administrator'], jurisdiction: 'cn' });
    expect((await api.call('POST', '/definitions', tokens['admin'], { files: [{ file: 'with-checks.yaml', text: WITH_CHECKS }] })).status).toBe(201);
    expect((await api.call('POST', '/definitions', tokens['national'], { files: calendarFilesAround() })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('refuses a launch whose inputs break a check (2 workers × 20 = 40 < 41 persons), launching nothing', async () => {
    const before = await readModelSnapshot(api.dataSource);
    const { status, body } = await api.call('POST', '/cycles', tokens['admin'], { definitionKey: PROCEDURE, inputs: { supervisedPersons: 41 } });
    expect(status).toBe(422);
    expect(body['message']).toContain(INPUT_RATIO);
    expect(body['details']).toEqual([
      { field: 'inputs.socialWorkers', problem: INPUT_RATIO },
      { field: 'inputs.supervisedPersons', problem: INPUT_RATIO },
    ]);
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);
  });

  it('refuses a form breaking the 1:20 ratio (1 × 20 = 20 < 21): the task stays open and nothing is recorded', async () => {
    const launched = await api.call('POST', '/cycles', tokens['admin'], { definitionKey: PROCEDURE, inputs: { supervisedPersons: 40 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    const { body: inbox } = await eventually(
      () => api.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, tokens['drafter']),
      (answer) => answer.body.tasks?.some((task) => task.taskInstanceId.startsWith('draftBudget#')) ?? false,
    );
    const draft = inbox.tasks.find((task) => task.taskInstanceId.startsWith('draftBudget#'))!;
    const decide = (fields: Record<string, unknown>) =>
      api.call('POST', `/tasks/${encodeURIComponent(draft.id)}/decision`, tokens['drafter'], { requestId: randomUUID(), outcome: 'submit', fields });

    const before = await readModelSnapshot(api.dataSource);
    const refused = await decide({ justification: '按在册人数', staffed: 1, served: 21 });
    expect(refused.status).toBe(422);
    expect(refused.body['message']).toContain(`${RATIO} (fields.staffed, fields.served)`);
    expect(refused.body['details']).toEqual([
      { field: 'fields.staffed', problem: RATIO },
      { field: 'fields.served', problem: RATIO },
    ]);
    expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    const task = await api.call<TaskView>('GET', `/tasks/${encodeURIComponent(draft.id)}`, tokens['drafter']);
    expect(task.body.status).toBe('open');

    // 2 × 20 = 40 ≥ 40 and 40 ≤ 40 supervised: accepted.
    const accepted = await decide({ justification: '按在册人数', staffed: 2, served: 40 });
    expect(accepted.status).toBe(200);
  });
});
