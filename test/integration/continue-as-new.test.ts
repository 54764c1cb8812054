import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { startDevServer, type TemporalHandle } from '../../src/infra/temporal/local-temporal.js';
import { tokenFor } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';

interface Detail {
  tasks: { open: Array<{ id: string; nodeId: string; dueAt: string | null }> };
  live: { pendingTimers: Array<{ timerId: string; until: string }> } | null;
}

/**
 * A cycle that continues as new in the middle of its budgeting, with a task open, its SLA timer pending
 * and answers cached, on a real Temporal dev server told to suggest a fresh history after a few dozen
 * events (the server's own `limit.historyCount.suggestContinueAsNew`, no hook in the workflow). The next
 * run must have lost nothing: the open task, its deadline, and the answers to requests already made.
 * The threshold is set so that the suggestion comes while a review (the task with the SLA) is open: a
 * decision adds about 7 events, so a threshold 5 events off falls while the draft is open instead, and
 * the test says so by naming the draft as the open task.
 */
describe('continue-as-new in the middle of a cycle', () => {
  let temporal: TemporalHandle;
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};
  const call = <T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, who: string, body?: unknown) => api.call<T>(method, route, tokens[who], body);
  const decide = (taskId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, who, { fields: {}, ...body });

  beforeAll(async () => {
    ({ handle: temporal } = await startDevServer({
      toolsDir: toolsDir(),
      namespace: 'default',
      log: testLog('temporal-continue-as-new'),
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 45 },
    }));
    api = await startProcurementApi('continue_as_new', { temporal: { address: temporal.address } });
    for (const [who, roles, jurisdiction] of [
      ['national', ['administrator'], 'cn'],
      ['admin', ['administrator'], JURISDICTION],
      ['drafter', ['justice-bureau'], JURISDICTION],
      ['reviewer', ['finance-bureau'], JURISDICTION],
    ] as const) {
      tokens[who] = await tokenFor({ userId: who, name: who, roles: [...roles], jurisdiction });
    }
    expect((await call('POST', '/definitions', 'national', { files: calendarFilesAround() })).status).toBe(201);
    const procedure = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
    expect((await call('POST', '/definitions', 'admin', { files: [{ file: 'minimal-procedure.yaml', text: procedure }] })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    await temporal?.stop();
  });

  it('keeps the open task, its SLA timer and the cached answers across the new run', async () => {
    const launched = await call('POST', '/cycles', 'admin', { definitionKey: PROCEDURE, inputs: { supervisedPersons: 20 } });
    expect(launched.status).toBe(201);
    const cycleId = launched.body['cycleId'] as string;
    const handle = api.temporalClient.workflow.getHandle(cycleId);
    const firstRun = (await handle.describe()).runId;

    // Draft and return the budget until Temporal suggests a fresh history and the workflow takes it, with
    // the review open and its SLA timer pending.
    const answered: Array<{ requestId: string; taskId: string; who: string; body: Record<string, unknown>; answer: unknown }> = [];
    const send = async (taskId: string, who: string, body: Record<string, unknown>) => {
      const request = { requestId: randomUUID(), taskId, who, body };
      const answer = await eventually(() => decide(taskId, who, { requestId: request.requestId, ...body }), (reply) => reply.status !== 404);
      expect([taskId, answer.status]).toEqual([taskId, 200]);
      answered.push({ ...request, answer: answer.body });
    };
    const continued = async () => (await handle.describe()).runId !== firstRun;
    let round = 0;
    while (!(await continued())) {
      round++;
      expect(round).toBeLessThanOrEqual(20);
      await send(`${cycleId}/draftBudget#${round}`, 'drafter', { outcome: 'submit', fields: { justification: `第${round}稿` } });
      // Give the workflow its chance to continue as new while the review (and its timer) is open.
      await eventually(() => call<Detail>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.tasks.open.some((t) => t.id === `${cycleId}/reviewBudget#${round}`));
      if (await continued()) break;
      await send(`${cycleId}/reviewBudget#${round}`, 'reviewer', { outcome: 'return', comment: `第${round}稿人数有误` });
    }
    await eventually(() => handle.describe(), (description) => description.runId !== firstRun && description.status.name === 'RUNNING');

    // The new run still has the open review, its deadline and the SLA timer that enforces it.
    const shown = await call<Detail>('GET', `/cycles/${cycleId}`, 'admin');
    const review = shown.body.tasks.open.find((t) => t.nodeId === 'reviewBudget');
    expect(shown.body.tasks.open.map((t) => t.id)).toEqual([`${cycleId}/reviewBudget#${round}`]);
    expect(review?.dueAt).toEqual(expect.any(String));
    expect(shown.body.live?.pendingTimers).toEqual([expect.objectContaining({ timerId: `sla:reviewBudget#${round}`, until: review?.dueAt })]);

    // Every answer given by the earlier run is given again, with no second effect; the same id with other content is refused.
    for (const earlier of answered) {
      const again = await decide(earlier.taskId, earlier.who, { requestId: earlier.requestId, ...earlier.body });
      expect([earlier.taskId, again.status, again.body]).toEqual([earlier.taskId, 200, earlier.answer]);
    }
    const last = answered[answered.length - 1]!;
    const reused = await decide(last.taskId, last.who, { requestId: last.requestId, outcome: 'submit', fields: { justification: '换了内容' } });
    expect(reused.status).toBe(409);
    expect((await call<Detail>('GET', `/cycles/${cycleId}`, 'admin')).body.tasks.open.map((t) => t.id)).toEqual([`${cycleId}/reviewBudget#${round}`]);

    // The flow goes on in the new run: the review is decided and the public notice follows.
    expect((await decide(`${cycleId}/reviewBudget#${round}`, 'reviewer', { requestId: randomUUID(), outcome: 'approve' })).status).toBe(200);
    await eventually(() => call<{ currentStep: string | null }>('GET', `/cycles/${cycleId}`, 'admin'), (answer) => answer.body.currentStep === 'publicNotice');
  });
});
