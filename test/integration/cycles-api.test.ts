import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { PROCUREFLOW_BIN, runToCompletion } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { freshCreditCode, readModelSnapshot } from '../support/procurement-fixtures.js';
import { scratchDir } from '../support/test-environment.js';
import { calendarFilesAround } from '../support/calendars.js';

const JURISDICTION = 'test-county';
const PROCEDURE = 'test-county-community-correction';
const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
const DAY_MS = 24 * 3600 * 1000;

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

// Shapes of the answers, as far as the assertions read them.
interface TaskView {
  id: string;
  taskInstanceId: string;
  status: string;
  role: string;
  stepId: string;
  title: { zh: string; en: string };
  decision: { outcome: string; decidedBy: string; comment: string | null; fields: Record<string, unknown> | null } | null;
  links: { decision: string };
}
interface CycleView {
  id: string;
  status: string;
  currentStep: string | null;
  endReason: string | null;
  readModel: string;
  definition: { key: string; version: number; contentHash: string; serviceType: string | null };
  inputs: Record<string, unknown>;
  steps: Array<{ stepId: string; enteredAt: string; endedAt: string | null; outcome: string | null; title: { zh: string } | null }>;
  tasks: { open: TaskView[]; closed: TaskView[] };
  notices: Array<{ noticeId: string; lines: Array<{ value: string }> }>;
  audit: Array<{ action: string; actorId: string; subjectId: string; comment: string | null }>;
  live: { stepId: string | null; pendingTimers: Array<{ timerId: string; purpose: string; until: string }>; waitingFor: Array<{ kind: string; description: string }> } | null;
}

/**
 * The procurement API end to end: definitions deployed and vendors verified through the API, cycles
 * launched, decided and cancelled through it, on real PostgreSQL and the real Temporal dev server with
 * the real workflows and activities. The minimal fixture's comment period is ten days long; this suite
 * stays before it ends.
 */
describe('the procurement cycles and tasks API', () => {
  let api: ProcurementApiOnSharedServer;
  const launched: string[] = [];

  const tokens: Record<string, string> = {};
  const as = (who: string) => {
    const token = tokens[who];
    if (!token) throw new Error(`no token for ${who}`);
    return token;
  };

  beforeAll(async () => {
    api = await startProcurementApi('cycles-api', { temporal: 'shared' });

    const people: Record<string, { name: string; roles: string[]; jurisdiction?: string }> = {
      admin: { name: '王芳', roles: ['administrator'] },
      drafter: { name: '周敏', roles: ['justice-bureau'] },
      reviewer: { name: '李明', roles: ['finance-bureau'] },
      // Holds both roles of the budget, so only the four-eyes rule keeps them from approving their own draft.
      both: { name: '陈双', roles: ['justice-bureau', 'finance-bureau'] },
      civil: { name: '钱慧', roles: ['civil-affairs'] },
      centre: { name: '孙强', roles: ['procurement-centre'] },
      nationalAdmin: { name: '赵部', roles: ['administrator'], jurisdiction: 'cn' },
      otherAdmin: { name: '刘安', roles: ['administrator'], jurisdiction: 'zj-anji' },
    };
    for (const [who, person] of Object.entries(people)) {
      tokens[who] = await tokenFor({ userId: who, name: person.name, roles: person.roles, jurisdiction: person.jurisdiction ?? JURISDICTION });
    }

    const deployed = await call('POST', '/definitions', as('admin'), { files: [{ file: 'minimal-procedure.yaml', text: MINIMAL_PROCEDURE }] });
    expect(deployed.status).toBe(201);
    // Holiday calendars apply to every jurisdiction: only a national administrator deploys them.
    const calendar = await call('POST', '/definitions', as('nationalAdmin'), { files: calendarFilesAround() });
    expect(calendar.status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
  });

  async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, token: string, body?: unknown): Promise<Answer<T>> {
    const response = await api.send(method, route, token, body);
    return { status: response.status, headers: response.headers, body: (await response.json()) as T };
  }

  const launch = (body: Record<string, unknown>, who = 'admin') => call('POST', '/cycles', as(who), body);
  const cycle = (id: string, who = 'admin') => call<CycleView>('GET', `/cycles/${encodeURIComponent(id)}`, as(who));
  const decide = (taskId: string, who: string, body: Record<string, unknown>) =>
    call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, as(who), { requestId: randomUUID(), fields: {}, ...body });
  const inbox = (who: string, query = '') => call<{ tasks: TaskView[] }>('GET', `/tasks${query}`, as(who));
  /** The open task of a node, once the workflow's projection shows it. */
  const openTask = async (cycleId: string, nodeId: string, who: string) => {
    const { body } = await eventually(
      () => inbox(who, `?cycleId=${encodeURIComponent(cycleId)}`),
      (answer) => answer.body.tasks.some((task) => task.taskInstanceId.startsWith(`${nodeId}#`)),
    );
    return body.tasks.find((task) => task.taskInstanceId.startsWith(`${nodeId}#`)) as TaskView;
  };
  const launchOne = async (inputs: Record<string, unknown> = { supervisedPersons: 40 }) => {
    const answer = await launch({ definitionKey: PROCEDURE, inputs });
    expect(answer.status).toBe(201);
    const id = answer.body['cycleId'] as string;
    launched.push(id);
    return id;
  };

  describe('launching', () => {
    it('refuses an unknown input with 422 naming it, and starts nothing and writes nothing', async () => {
      const before = await readModelSnapshot(api.dataSource);
      const { status, body } = await launch({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 40, headcount: 41 }, requestId: 'launch-with-typo' });
      expect(status).toBe(422);
      expect(body).toMatchObject({ code: 'validation-failed', details: [{ field: 'inputs.headcount', problem: expect.stringContaining('is not a field here') }] });
      expect(body['message']).toContain('Nothing was launched');
      expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    });

    it('names every missing or out-of-bounds input', async () => {
      const { status, body } = await launch({ definitionKey: PROCEDURE, inputs: { pricePerPersonYearFen: 0 } });
      expect(status).toBe(422);
      expect((body['details'] as Array<{ field: string }>).map((d) => d.field).sort()).toEqual(['inputs.pricePerPersonYearFen', 'inputs.supervisedPersons']);
    });

    it('answers 404 naming an unknown key or version', async () => {
      const key = await launch({ definitionKey: 'no-such-procedure', inputs: {} });
      expect(key.status).toBe(404);
      expect(key.body['message']).toContain('"no-such-procedure"');
      const version = await launch({ definitionKey: PROCEDURE, version: 7, inputs: { supervisedPersons: 1 } });
      expect(version.status).toBe(404);
      expect(version.body['message']).toBe(`Definition "${PROCEDURE}" has no version 7: its versions are 1 to 1.`);
      expect(version.body['details']).toEqual([{ field: 'version', problem: expect.stringContaining('no version 7') }]);
    });

    it('refuses a Calendar key with 422', async () => {
      const { status, body } = await launch({ definitionKey: `cn-${new Date().getUTCFullYear()}`, inputs: {} });
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'definitionKey', problem: 'is a Calendar, not a Procedure' }]);
    });

    it('lets only administrators of the definition’s own jurisdiction launch', async () => {
      const national = await launch({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 1 } }, 'nationalAdmin');
      expect(national.status).toBe(403);
      expect(national.body['message']).toContain('only its own jurisdiction launches its cycles');
      // Another county does not even see the definition.
      expect((await launch({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 1 } }, 'otherAdmin')).status).toBe(404);
      expect((await launch({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 1 } }, 'drafter')).status).toBe(403);
    });

    it('starts the cycle on the version it names, answers 201 with where to look, and shows it from the read model', async () => {
      const { status, headers, body } = await launch({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 120 } });
      expect(status).toBe(201);
      const cycleId = body['cycleId'] as string;
      launched.push(cycleId);
      expect(cycleId).toMatch(/^cycle-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(headers.get('location')).toBe(`/cycles/${cycleId}`);
      expect(body).toMatchObject({
        created: true,
        jurisdiction: JURISDICTION,
        definition: { key: PROCEDURE, version: 1, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), serviceType: 'communityCorrection' },
        // The default is filled in; what the workflow runs with is what the answer shows.
        inputs: { supervisedPersons: 120, pricePerPersonYearFen: 100_000 },
        firstStep: 'budgeting',
        incidents: [],
        links: { self: `/cycles/${cycleId}`, tasks: `/tasks?cycleId=${cycleId}` },
      });

      const shown = await eventually(() => cycle(cycleId), (answer) => answer.body.readModel === 'current' && answer.body.tasks.open.length === 1);
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({
        id: cycleId,
        status: 'running',
        currentStep: 'budgeting',
        definition: { key: PROCEDURE, version: 1, serviceType: 'communityCorrection' },
        inputs: { supervisedPersons: 120, pricePerPersonYearFen: 100_000 },
        steps: [{ stepId: 'budgeting', endedAt: null, title: { zh: '确定购买项目' } }],
        tasks: { open: [{ taskInstanceId: 'draftBudget#1', role: 'justice-bureau', status: 'open' }], closed: [] },
        audit: [{ action: 'cycle.launched', actorId: 'admin' }],
      });
      expect(shown.body.live).toMatchObject({ stepId: 'budgeting', waitingFor: [{ kind: 'decision', description: expect.stringContaining('编制预算') }] });
      expect((await api.temporalClient.workflow.getHandle(cycleId).describe()).status.name).toBe('RUNNING');
    });

    it('starts one cycle for a launch repeated with the same requestId', async () => {
      const body = { definitionKey: PROCEDURE, inputs: { supervisedPersons: 8 }, requestId: `launch-${randomUUID()}` };
      const [first, second] = await Promise.all([launch(body), launch(body)]);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body['cycleId']).toBe(second.body['cycleId']);
      expect([first.body['created'], second.body['created']].sort()).toEqual([false, true]);
      launched.push(first.body['cycleId'] as string);
    });
  });

  describe('deciding tasks', () => {
    let cycleId: string;

    beforeAll(async () => {
      cycleId = await launchOne({ supervisedPersons: 30 });
    });

    it('shows each person the open tasks of their roles in their jurisdiction', async () => {
      const draft = await openTask(cycleId, 'draftBudget', 'drafter');
      expect(draft).toMatchObject({ id: `${cycleId}/draftBudget#1`, stepId: 'budgeting', role: 'justice-bureau', title: { zh: '编制预算' } });
      expect((await inbox('reviewer', `?cycleId=${cycleId}`)).body.tasks).toEqual([]);
      expect((await inbox('otherAdmin', `?cycleId=${cycleId}`)).body.tasks).toEqual([]);
      expect((await inbox('drafter', `?cycleId=${cycleId}&step=publicNotice`)).body.tasks).toEqual([]);
      expect((await inbox('drafter', `?cycleId=${cycleId}&status=decided`)).body.tasks).toEqual([]);
      const one = await call<TaskView>('GET', `/tasks/${encodeURIComponent(draft.id)}`, as('reviewer'));
      expect(one.body).toMatchObject({ id: draft.id, status: 'open', decision: null });
      expect((await call('GET', `/tasks/${encodeURIComponent(draft.id)}`, as('otherAdmin'))).status).toBe(404);
    });

    it('answers 404 for an unknown task, before asking any workflow', async () => {
      const { status, body } = await decide(`${cycleId}/noSuchTask#1`, 'drafter', { outcome: 'submit' });
      expect(status).toBe(404);
      expect(body['details']).toEqual([{ field: 'id', problem: 'no such task' }]);
    });

    it('refuses the wrong role with 403, changing nothing', async () => {
      const draft = await openTask(cycleId, 'draftBudget', 'drafter');
      const before = await readModelSnapshot(api.dataSource);
      const { status, body } = await decide(draft.id, 'reviewer', { outcome: 'submit', fields: { justification: '按在册人数' } });
      expect(status).toBe(403);
      expect(body).toMatchObject({ code: 'forbidden', message: expect.stringContaining('is for role "justice-bureau"') });
      expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    });

    it('refuses a bad form with 422 naming the field', async () => {
      const draft = await openTask(cycleId, 'draftBudget', 'drafter');
      const empty = await decide(draft.id, 'drafter', { outcome: 'submit', fields: { justification: '' } });
      expect(empty.status).toBe(422);
      expect(empty.body['details']).toEqual([{ field: 'fields.justification', problem: expect.stringContaining('fields.justification is required') }]);
      const outcome = await decide(draft.id, 'drafter', { outcome: 'approve', fields: { justification: '依据' } });
      expect(outcome.status).toBe(422);
      expect(outcome.body['details']).toEqual([{ field: 'outcome', problem: expect.stringContaining('allowed: submit') }]);
      const payload = await decide(draft.id, 'drafter', { outcome: 'submit', fields: { justification: '依据' }, payload: { kind: 'award', scores: {}, winners: [{ bidId: 'b' }] } });
      expect(payload.status).toBe(422);
      expect(payload.body['details']).toEqual([{ field: 'payload.winners.0.amountFen', problem: expect.any(String) }]);
    });

    it('refuses the submitter approving their own draft (four-eyes) with 403', async () => {
      const draft = await openTask(cycleId, 'draftBudget', 'both');
      const submitted = await decide(draft.id, 'both', { outcome: 'submit', fields: { justification: '按2025年在册矫正对象人数编制' } });
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({
        taskId: draft.id,
        cycleId,
        workflowId: cycleId,
        status: 'running',
        stepId: 'budgeting',
        openTasks: [{ id: `${cycleId}/reviewBudget#1`, role: 'finance-bureau', title: { zh: '预算审核' } }],
      });
      // The answer comes after the projection: the read model already shows the next task.
      const review = await call<TaskView>('GET', `/tasks/${encodeURIComponent(`${cycleId}/reviewBudget#1`)}`, as('reviewer'));
      expect(review.body.status).toBe('open');

      const own = await decide(`${cycleId}/reviewBudget#1`, 'both', { outcome: 'approve' });
      expect(own.status).toBe(403);
      expect(own.body['message']).toMatch(/^Four-eyes rule: you decided "draftBudget" in this cycle/);
    });

    it('refuses returning without a reason with 422', async () => {
      const { status, body } = await decide(`${cycleId}/reviewBudget#1`, 'reviewer', { outcome: 'return' });
      expect(status).toBe(422);
      expect(body['details']).toEqual([{ field: 'comment', problem: 'a decision to return must say why' }]);
    });

    it('takes a double-clicked approval once, and answers both clicks alike', async () => {
      const taskId = `${cycleId}/reviewBudget#1`;
      const click = { requestId: randomUUID(), outcome: 'approve', fields: {}, comment: '同意' };
      const [first, second] = await Promise.all([
        call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, as('reviewer'), click),
        call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, as('reviewer'), click),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body).toEqual(first.body);
      expect(first.body).toMatchObject({ requestId: click.requestId, status: 'running', stepId: 'publicNotice', openTasks: [] });
      // A third click, later, still gets the same answer; a new request to approve again is a conflict.
      expect((await call('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, as('reviewer'), click)).body).toEqual(first.body);
      const again = await decide(taskId, 'reviewer', { outcome: 'approve' });
      expect(again.status).toBe(409);
      expect(again.body['message']).toContain('no longer open');

      const approvals = await api.dataSource.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'task.approved' AND subject_id = $1`, [taskId]);
      expect(approvals).toEqual([{ n: 1 }]);
      const detail = (await cycle(cycleId)).body;
      expect(detail.notices).toHaveLength(1);
      expect(detail.steps.map((s) => [s.stepId, s.outcome])).toEqual([
        ['budgeting', 'completed'],
        ['publicNotice', null],
      ]);
      expect(detail.tasks.closed.map((t) => [t.taskInstanceId, t.decision?.outcome, t.decision?.decidedBy])).toEqual([
        ['draftBudget#1', 'submit', 'both'],
        ['reviewBudget#1', 'approve', 'reviewer'],
      ]);
      expect(detail.tasks.closed[1]?.decision?.comment).toBe('同意');
      // 30 persons at 100,000 fen each.
      expect(detail.notices[0]?.lines[0]?.value).toBe('3000000');
    });

    it('shows the comment period as a pending timer and what the cycle waits for', async () => {
      const { body } = await cycle(cycleId);
      expect(body.currentStep).toBe('publicNotice');
      const timer = body.live?.pendingTimers.find((t) => t.purpose === 'wait');
      expect(timer).toMatchObject({ timerId: 'wait:commentPeriod#1', description: '征求意见期 Comment period ends' });
      const entered = body.steps.find((step) => step.stepId === 'publicNotice')?.enteredAt ?? '';
      const days = (Date.parse(timer?.until ?? '') - Date.parse(entered)) / DAY_MS;
      // Ten days from the step's start, on the workflow's clock, to the end of the tenth day in China.
      expect(days).toBeGreaterThan(10);
      expect(days).toBeLessThanOrEqual(11);
      expect(body.live?.waitingFor).toEqual([{ kind: 'timer', description: '征求意见期 Comment period ends', until: timer?.until }]);
    });
  });

  describe('bids', () => {
    let cycleId: string;
    let verified: string;
    let unverified: string;

    const register = async (name: string) => {
      const answer = await call('POST', '/vendors', as('admin'), {
        name,
        creditCode: freshCreditCode(),
        registrationType: 'socialServiceAgency',
        evidence: [{ criterionId: 'registered', document: `${name}登记证书` }],
      });
      expect(answer.status).toBe(201);
      return answer.body['id'] as string;
    };

    beforeAll(async () => {
      cycleId = await launchOne();
      await openTask(cycleId, 'draftBudget', 'drafter');
      verified = await register('测试县阳光社会工作服务中心');
      unverified = await register('测试县新星社工事务所');
      const verification = await call('POST', `/vendors/${verified}/verification`, as('drafter'), { decision: 'verified' });
      expect(verification.status).toBe(200);
    });

    it('refuses every bid while bidding is not open with 409, before asking the registry, and writes nothing', async () => {
      const before = await readModelSnapshot(api.dataSource);
      // A qualified vendor, one the registry would refuse (unverified) and one it does not know: bidding is
      // judged first, so none of them reaches the registry and no refusal is audited.
      for (const vendorId of [verified, unverified, randomUUID()]) {
        const { status, body } = await call('POST', `/cycles/${cycleId}/bids`, as('centre'), { requestId: randomUUID(), vendorId, priceFen: 1_000_000 });
        expect(status).toBe(409);
        expect(body['message']).toBe('Bidding is not open in this cycle.');
      }
      expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    });

    it('lets only the procurement centre, administrators and vendors of the cycle’s jurisdiction hand in bids; anyone else gets 403 and writes nothing', async () => {
      const before = await readModelSnapshot(api.dataSource);
      // A finance-bureau officer of the county, and a national administrator, who sees the cycle but bids in no jurisdiction's.
      for (const who of ['reviewer', 'nationalAdmin']) {
        const { status } = await call('POST', `/cycles/${cycleId}/bids`, as(who), { requestId: randomUUID(), vendorId: unverified, priceFen: 1_000_000 });
        expect(status).toBe(403);
      }
      expect(await readModelSnapshot(api.dataSource)).toEqual(before);
    });
  });

  describe('listing and cancelling', () => {
    let cycleId: string;

    beforeAll(async () => {
      cycleId = await launchOne({ supervisedPersons: 12 });
      await openTask(cycleId, 'draftBudget', 'drafter');
    });

    it('lists the cycles of the caller’s jurisdiction with filters', async () => {
      const all = await call<{ cycles: Array<{ id: string; status: string; currentStep: string | null; openTasks: number }>; total: number }>('GET', '/cycles', as('drafter'));
      expect(all.status).toBe(200);
      expect(all.body.cycles.map((c) => c.id)).toContain(cycleId);
      const budgeting = await call<{ cycles: Array<{ id: string; currentStep: string | null; openTasks: number }> }>('GET', `/cycles?step=budgeting&definitionKey=${PROCEDURE}`, as('drafter'));
      expect(budgeting.body.cycles.find((c) => c.id === cycleId)).toMatchObject({ currentStep: 'budgeting', openTasks: 1 });
      expect((await call<{ cycles: unknown[] }>('GET', '/cycles?status=cancelled', as('drafter'))).body.cycles).toEqual([]);
      // metadata.serviceType of the version a cycle runs: the minimal procedure buys community correction, so it is listed under that service only.
      const correction = await call<{ cycles: Array<{ id: string; definition: { serviceType: string | null } }> }>('GET', '/cycles?serviceType=communityCorrection', as('drafter'));
      expect(correction.body.cycles.find((c) => c.id === cycleId)).toMatchObject({ definition: { serviceType: 'communityCorrection' } });
      expect((await call<{ cycles: unknown[]; total: number }>('GET', '/cycles?serviceType=resettlement', as('drafter'))).body).toEqual({ cycles: [], total: 0 });
      const unknownService = await call<{ details: Array<{ field: string }> }>('GET', '/cycles?serviceType=elderlyCare', as('drafter'));
      expect([unknownService.status, unknownService.body.details.map((detail) => detail.field)]).toEqual([422, ['serviceType']]);
      expect((await call<{ cycles: unknown[]; total: number }>('GET', '/cycles', as('otherAdmin'))).body).toEqual({ cycles: [], total: 0 });
      expect((await cycle(cycleId, 'otherAdmin')).status).toBe(404);
      expect((await call('GET', '/cycles?status=paused', as('drafter'))).status).toBe(422);
    });

    it('refuses a cancellation without a reason or by a non-administrator', async () => {
      expect((await call('POST', `/cycles/${cycleId}/cancel`, as('admin'), { reason: '  ' })).status).toBe(422);
      expect((await call('POST', `/cycles/${cycleId}/cancel`, as('drafter'), { reason: '预算调整' })).status).toBe(403);
      expect((await call('POST', `/cycles/cycle-${randomUUID()}/cancel`, as('admin'), { reason: '预算调整' })).status).toBe(404);
    });

    it('cancels with the reason: the cycle shows cancelled, its tasks withdrawn, the decision audited', async () => {
      const reason = '财政预算调整，本年度暂停购买';
      const { status, body } = await call('POST', `/cycles/${cycleId}/cancel`, as('admin'), { reason });
      expect(status).toBe(200);
      expect(body).toMatchObject({ cycleId, status: 'cancelled', reason });

      const shown = await cycle(cycleId);
      expect(shown.body).toMatchObject({ status: 'cancelled', endReason: reason, live: null, tasks: { open: [] } });
      expect(shown.body.tasks.closed).toMatchObject([{ taskInstanceId: 'draftBudget#1', status: 'withdrawn', decision: null }]);
      expect(shown.body.audit.map((a) => a.action)).toEqual(['cycle.launched', 'cycle.cancelled']);
      expect(shown.body.audit[1]).toMatchObject({ actorId: 'admin', comment: reason });
      expect((await inbox('drafter', `?cycleId=${cycleId}`)).body.tasks).toEqual([]);
      expect((await call<{ cycles: Array<{ id: string }> }>('GET', '/cycles?status=cancelled', as('drafter'))).body.cycles.map((c) => c.id)).toEqual([cycleId]);

      const again = await call('POST', `/cycles/${cycleId}/cancel`, as('admin'), { reason: '再次取消' });
      expect(again.status).toBe(409);
      const late = await decide(`${cycleId}/draftBudget#1`, 'drafter', { outcome: 'submit', fields: { justification: '依据' } });
      expect(late.status).toBe(409);
    });

    it('shows a cycle Temporal has started before the read model has it, saying so', async () => {
      // A workflow no worker has picked up yet: the moment between launch and its first projection, held still.
      const pendingId = `cycle-${randomUUID()}`;
      await api.temporalClient.workflow.start('procurementCycleWorkflow', {
        taskQueue: `nobody-polls-${randomUUID()}`,
        workflowId: pendingId,
        args: [{}],
        memo: { jurisdiction: JURISDICTION, definitionKey: PROCEDURE, definitionVersion: 1, title: { zh: '待投影周期', en: 'Pending cycle' }, launchedBy: 'admin' },
      });
      try {
        const { status, body } = await cycle(pendingId);
        expect(status).toBe(200);
        expect(body).toMatchObject({ id: pendingId, readModel: 'pending', status: 'running', title: { zh: '待投影周期' }, definition: { key: PROCEDURE, version: 1 }, live: null });
        expect((body as unknown as { liveUnavailable: string }).liveUnavailable).toContain('is a worker running?');
        expect((await cycle(pendingId, 'otherAdmin')).status).toBe(404);
      } finally {
        await api.temporalClient.workflow.getHandle(pendingId).terminate('test over');
      }
    });
  });

  describe('the command line', () => {
    let dir: string;
    let cycleId: string;
    const procureflow = (who: string, args: string[]) => runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: as(who) }, [...args, '--api', api.baseUrl]);

    beforeAll(async () => {
      dir = await scratchDir('cycles-cli');
      await writeFile(path.join(dir, 'inputs.json'), JSON.stringify({ supervisedPersons: 25, pricePerPersonYearFen: 90_000 }));
    });

    it('launches a cycle with typed inputs and says where to follow it', async () => {
      const result = await procureflow('admin', ['cycles', 'launch', PROCEDURE, '--inputs-file', path.join(dir, 'inputs.json'), '--input', 'supervisedPersons=26']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const match = /^Launched: (cycle-[0-9a-f-]{36})$/m.exec(result.stdout);
      expect(match).not.toBeNull();
      cycleId = match?.[1] ?? '';
      launched.push(cycleId);
      expect(result.stdout).toContain('  inputs        supervisedPersons=26, pricePerPersonYearFen=90000');
      expect(result.stdout).toContain(`Follow it:  procureflow cycles show ${cycleId}`);
    });

    it('refuses an unknown input with exit 1, naming it', async () => {
      const result = await procureflow('admin', ['cycles', 'launch', PROCEDURE, '--input', 'supervisedPersons=3', '--input', 'headcount=3']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('inputs.headcount: is not a field here');
      expect(result.stderr).toMatch(/^procureflow: Nothing was launched: inputs\.headcount/);
    });

    it('lists and shows cycles for people and for scripts', async () => {
      await openTask(cycleId, 'draftBudget', 'drafter');
      const list = await procureflow('admin', ['cycles', 'list', '--step', 'budgeting']);
      expect(list.code).toBe(0);
      expect(list.stdout.split('\n')[0]).toMatch(/^CYCLE +STATUS +STEP +OPEN +LAUNCHED +PROCEDURE +SERVICE +TITLE$/);
      expect(list.stdout).toMatch(new RegExp(`^${cycleId} +running +budgeting +1 +.* ${PROCEDURE} v1 +communityCorrection +测试县社区矫正服务购买$`, 'm'));
      const resettlement = await procureflow('admin', ['cycles', 'list', '--service-type', 'resettlement']);
      expect([resettlement.code, resettlement.stdout.trim()]).toEqual([0, 'No cycles match.']);
      const json = await procureflow('admin', ['cycles', 'list', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ cycles: expect.arrayContaining([expect.objectContaining({ id: cycleId })]) });

      const show = await procureflow('admin', ['cycles', 'show', cycleId]);
      expect(show.code).toBe(0);
      expect(show.stdout).toContain(`${cycleId}  测试县社区矫正服务购买 / Test county community-correction purchase`);
      expect(show.stdout).toContain('  service       communityCorrection\n');
      expect(show.stdout).toContain('Waiting for:\n  - 编制预算 Draft the budget — a decision by justice-bureau');
      expect(show.stdout).toMatch(/Open tasks:\n {2}TASK +ROLE +DUE +TITLE\n {2}\S+\/draftBudget#1 +justice-bureau/);
      expect(JSON.parse((await procureflow('admin', ['cycles', 'show', cycleId, '--json'])).stdout)).toMatchObject({ id: cycleId, currentStep: 'budgeting' });
    });

    it('lists the inbox and decides a task, repeatably with the printed request id', async () => {
      const list = await procureflow('drafter', ['tasks', 'list', '--step', 'budgeting']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${cycleId}/draftBudget#1 +justice-bureau +- +编制预算 Draft the budget$`, 'm'));
      expect((await procureflow('drafter', ['tasks', 'list', '--due-before', '2020-01-01'])).stdout).toBe('No open tasks for you.\n');

      const taskId = `${cycleId}/draftBudget#1`;
      const wrong = await procureflow('reviewer', ['tasks', 'decide', taskId, '--outcome', 'submit', '--field', 'justification=依据']);
      expect(wrong.code).toBe(4);
      expect(wrong.stderr).toMatch(/is for role "justice-bureau".*\(request id [0-9a-f-]{36}\)/);

      const decided = await procureflow('drafter', ['tasks', 'decide', taskId, '--outcome', 'submit', '--field', 'justification=按在册人数编制']);
      expect(decided.code).toBe(0);
      expect(decided.stdout).toContain(`Decided ${taskId} (编制预算): submit`);
      const requestId = /request id {2}(\S+)/.exec(decided.stdout)?.[1] ?? '';
      expect(decided.stdout).toMatch(/Open now:\n.*\n\S+\/reviewBudget#1 +finance-bureau/);

      const first = await procureflow('drafter', ['tasks', 'decide', taskId, '--outcome', 'submit', '--field', 'justification=按在册人数编制', '--request-id', requestId, '--json']);
      const repeat = await procureflow('drafter', ['tasks', 'decide', taskId, '--outcome', 'submit', '--field', 'justification=按在册人数编制', '--request-id', requestId, '--json']);
      expect([first.code, repeat.code]).toEqual([0, 0]);
      expect(JSON.parse(repeat.stdout)).toEqual(JSON.parse(first.stdout));
      expect(JSON.parse(first.stdout)).toMatchObject({ requestId, taskId, openTasks: [{ id: `${cycleId}/reviewBudget#1` }] });
      const decision = (await call<TaskView>('GET', `/tasks/${encodeURIComponent(taskId)}`, as('drafter'))).body.decision;
      expect(decision).toMatchObject({ outcome: 'submit', decidedBy: 'drafter', fields: { justification: '按在册人数编制' } });
    });
  });

  describe('while Temporal is unreachable', () => {
    it('answers 503 to a launch, with how to retry safely, and writes nothing', async () => {
      const deadConnection = Connection.lazy({ address: '127.0.0.1:1' });
      const offline = await createApiApp({
        config: api.config,
        dataSource: api.dataSource,
        temporalClient: new Client({ connection: deadConnection, namespace: api.config.temporal.namespace, dataConverter: testDataConverter() }),
        payloadCodec: testPayloadCodec,
        temporalAddress: '127.0.0.1:1',
        logger: createLogger('silent', 'api'),
        jwtSecret: TEST_JWT_SECRET,
      });
      const port = await freePort();
      await offline.listen(port, '127.0.0.1');
      try {
        const before = await readModelSnapshot(api.dataSource);
        const response = await fetch(`http://127.0.0.1:${port}/cycles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${as('admin')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ definitionKey: PROCEDURE, inputs: { supervisedPersons: 3 }, requestId: 'launch-while-offline' }),
        });
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ code: 'service-unavailable', message: expect.stringContaining('launch again with a requestId') });
        expect(await readModelSnapshot(api.dataSource)).toEqual(before);
      } finally {
        await offline.close();
        await deadConnection.close();
      }
    });
  });

  describe('afterwards', () => {
    it('started exactly the cycles it answered 201 for: refusals started no workflow', async () => {
      const query = `TaskQueue = "${api.config.temporal.taskQueues.procurement}"`;
      const ids = await eventually(
        async () => {
          const found: string[] = [];
          for await (const execution of api.temporalClient.workflow.list({ query })) found.push(execution.workflowId);
          return found.sort();
        },
        (found) => found.length >= new Set(launched).size,
      );
      expect(ids).toEqual([...new Set(launched)].sort());
    });
  });
});
