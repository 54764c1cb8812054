import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import protos from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createCaseProjectionActivities } from '../../activities/case-projections.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { type CaseEventRequest, caseEventUpdate, caseStateQuery, type CaseWorkflowInput, caseWorkflowId, decideCaseTaskUpdate } from '../../workflows/cases/messages.js';
import type { Actor } from '../../workflows/engine/types.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

const { History } = protos.temporal.api.history.v1;

const compiled = compileDefinition(readFileSync(fileURLToPath(new URL('./fixtures/case-lifecycle.yaml', import.meta.url)), 'utf8'), 'case-lifecycle.yaml');
if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
const definition = compiled.compiled.definition as SupervisionDefinition;

const OFFICER: Actor = { userId: 'officer-1', name: '司法所王', roles: ['judicial-office'], jurisdiction: '330521' };
const WORKER: Actor = { userId: 'sw-1', name: '社工李', roles: ['vendor'], jurisdiction: '330521', vendorId: 'vendor-a' };
const OTHER_WORKER: Actor = { userId: 'sw-9', name: '社工赵', roles: ['vendor'], jurisdiction: '330521', vendorId: 'vendor-b' };
const OPINION = '调查评估意见：建议适用社区矫正-机密文本-7f3a';

const HOUR_MS = 3_600_000;
const CST_MS = 8 * HOUR_MS;

/** The next half-month boundary (the 16th or the 1st, midnight +08:00) after `epochMs`, by hand. */
function nextHalfMonth(epochMs: number): number {
  const local = new Date(epochMs + CST_MS);
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  return d <= 15 ? Date.UTC(y, m, 16) - CST_MS : Date.UTC(y, m + 1, 1) - CST_MS;
}
/** The first of the next month, midnight +08:00. */
function nextMonth(epochMs: number): number {
  const local = new Date(epochMs + CST_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - CST_MS;
}

/** The refusal an update failed with: its type and message, and the field it names. */
async function refusalOf(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string; field: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const failure = cause as ApplicationFailure;
    return { type: failure.type ?? undefined, message: failure.message, field: (failure.details?.[0] as { field?: string } | undefined)?.field };
  }
  throw new Error('the update was accepted');
}

describe('the case workflow on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `cases-${randomUUID()}`;

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('case-workflow'), dataConverter: testDataConverter() });
    ({ dataSource } = await freshDatabase('case_workflow'));
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleTestWorkflows('../workflows/index.ts'),
      activities: createCaseProjectionActivities({ dataSource }),
      dataConverter: testDataConverter(),
    });
    running = worker.run();
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await dataSource?.destroy();
    await env?.teardown();
  });

  const rows = <T>(sql: string, parameters: unknown[] = []) => dataSource.query(sql, parameters) as Promise<T[]>;

  async function enrol(attributes: Record<string, boolean> = {}, extra: Partial<CaseWorkflowInput> = {}) {
    const caseId = randomUUID();
    const enrolledAt = new Date(await env.currentTimeMs()).toISOString();
    const input: CaseWorkflowInput = {
      caseId,
      definition,
      lifecycle: { key: definition.metadata.key, version: 1, contentHash: compiled.ok ? compiled.compiled.contentHash : '' },
      jurisdiction: '330521',
      vendorId: 'vendor-a',
      attributes,
      enrolledAt,
      enrolledBy: OFFICER,
      ...extra,
    };
    const handle = await env.client.workflow.start('caseWorkflow', { taskQueue, workflowId: caseWorkflowId(caseId), args: [input] });
    return { caseId, handle, enrolledAt };
  }

  const event = (actor: Actor, type: string, payload: Record<string, unknown> = {}, requestId = randomUUID()): CaseEventRequest => ({
    requestId,
    fingerprint: `${actor.userId}:${type}:${JSON.stringify(payload)}`,
    actor,
    type,
    payload,
  });

  it('refuses illegal events naming the state, keeps confidential text out of events and history, and counts one effect per request id', async () => {
    const { caseId, handle } = await enrol();
    const today = new Date((await env.currentTimeMs()) + CST_MS).toISOString().slice(0, 10);

    const terminate = await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'case.terminated')] }));
    expect(terminate).toEqual({ type: 'Conflict', message: 'the case is in state "intake", which does not accept event "case.terminated"', field: 'type' });
    expect((await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'investigation.recorded', { date: today, opinion: OPINION })] }))).type).toBe('Forbidden');
    expect((await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [event(OTHER_WORKER, 'investigation.recorded', { date: today, opinion: OPINION })] }))).type).toBe('Forbidden');
    expect(await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [event(WORKER, 'investigation.recorded', { date: 'soon', opinion: OPINION })] }))).toMatchObject({
      type: 'Invalid',
      field: 'payload.date',
    });

    const now = await env.currentTimeMs();
    const dated = (at: string) => ({ ...event(WORKER, 'investigation.recorded', { date: today, opinion: OPINION }), at });
    expect(await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [dated(new Date(now + 24 * HOUR_MS).toISOString())] }))).toMatchObject({ type: 'Invalid', field: 'at' });
    expect(await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [dated(new Date(now - 24 * HOUR_MS).toISOString())] }))).toMatchObject({ type: 'Invalid', field: 'at' });
    const long = await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [event(WORKER, 'investigation.recorded', { date: today, opinion: OPINION.repeat(200) })] }));
    expect(long).toMatchObject({ type: 'Invalid', field: 'payload.opinion' });
    expect(long.message).not.toContain(OPINION);

    const investigation = event(WORKER, 'investigation.recorded', { date: today, opinion: OPINION });
    const first = await handle.executeUpdate(caseEventUpdate, { args: [investigation] });
    const again = await handle.executeUpdate(caseEventUpdate, { args: [investigation] });
    expect(again).toEqual(first);
    await handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'intake.completed')] });
    await handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'case.terminated')] });
    expect(await handle.result()).toEqual({ state: 'terminated', status: 'completed' });

    const events = await rows<{ type: string; payload: Record<string, unknown>; role: string }>(`SELECT type, payload, role FROM case_events WHERE case_id = $1 ORDER BY seq`, [caseId]);
    expect(events).toEqual([
      { type: 'investigation.recorded', payload: { date: today }, role: 'social-worker' },
      { type: 'intake.completed', payload: {}, role: 'judicial-office' },
      { type: 'case.terminated', payload: {}, role: 'judicial-office' },
    ]);
    expect(await rows(`SELECT field, value, readable_by FROM case_confidential WHERE case_id = $1`, [caseId])).toEqual([
      { field: 'opinion', value: OPINION, readable_by: ['judicial-office'] },
    ]);
    expect(await rows(`SELECT state, final FROM cases WHERE id = $1`, [caseId])).toEqual([{ state: 'terminated', final: true }]);
    const audited = await rows<{ action: string }>(`SELECT action FROM audit_entries WHERE subject_id = $1 ORDER BY id`, [caseId]);
    expect(audited.map((a) => a.action)).toEqual(['case.enrolled', 'case.event.investigation.recorded', 'case.event.intake.completed', 'case.event.case.terminated']);
    expect(JSON.stringify(await rows(`SELECT * FROM audit_entries WHERE subject_id = $1`, [caseId]))).not.toContain(OPINION);

    const raw = Buffer.from(History.encode(await handle.fetchHistory()).finish());
    expect(raw.includes(Buffer.from(OPINION, 'utf8'))).toBe(false);

    // A projection retried or replayed finds its seq taken and changes nothing; the runtime role cannot rewrite evidence.
    const retried = await createCaseProjectionActivities({ dataSource }).recordCaseChanges({
      workflowId: caseWorkflowId(caseId),
      caseId,
      jurisdiction: '330521',
      records: [{ kind: 'taskDecided', seq: 1, at: new Date().toISOString(), actor: OFFICER, requestId: 'again', task: { id: 'x', kind: 'x', title: { zh: 'x', en: 'x' }, role: 'judicial-office', obligation: 'x', period: 0, openedAt: new Date().toISOString(), dueAt: null, status: 'done' } }],
    });
    expect(retried).toEqual({ applied: [], skipped: [1] });
    await expect(dataSource.query(`UPDATE case_events SET payload = '{}' WHERE case_id = $1`, [caseId])).rejects.toThrow(/permission denied/);
  });

  it('makes a key person unvisited for a half-month a breach raising a task, and counts 8 h of education over three sessions as the month met', async () => {
    const { caseId, handle } = await enrol({ isKeyPerson: true });
    const enrolledMs = await env.currentTimeMs();
    await handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'intake.completed')] });
    const today = new Date(enrolledMs + CST_MS).toISOString().slice(0, 10);
    for (const hours of [3, 3, 2]) await handle.executeUpdate(caseEventUpdate, { args: [event(WORKER, 'education.recorded', { hours, date: today })] });

    const halfMonthEnd = nextHalfMonth(enrolledMs);
    const monthEnd = nextMonth(enrolledMs);
    const state = await handle.query(caseStateQuery);
    expect(state.state).toBe('supervision');
    expect(state.openPeriods.map((p) => [p.obligation, Date.parse(p.endsAt)])).toEqual(
      expect.arrayContaining([
        ['keyPersonVisit', halfMonthEnd],
        ['monthlyEducation', monthEnd],
      ]),
    );
    expect(state.obligations.find((o) => o.id === 'monthlyEducation')).toMatchObject({ total: 8, required: 8, met: true });

    // Past the end of the month (which is at or after the half-month's end).
    await env.sleep(monthEnd - (await env.currentTimeMs()) + 1000);
    const breaches = await eventually(
      () => rows<{ obligation: string; period: number; ended_at: Date; task_id: string | null }>(`SELECT obligation, period, ended_at, task_id FROM case_breaches WHERE case_id = $1 ORDER BY seq`, [caseId]),
      (found) => found.length > 0,
    );
    expect(breaches[0]).toMatchObject({ obligation: 'keyPersonVisit', period: 0, ended_at: new Date(halfMonthEnd) });
    expect(breaches.map((b) => b.obligation)).not.toContain('monthlyEducation');
    const taskId = breaches[0]?.task_id as string;
    const tasks = await rows<{ role: string; status: string; due_at: Date }>(`SELECT role, status, due_at FROM case_tasks WHERE case_id = $1 AND id = $2`, [caseId, taskId]);
    expect(tasks).toEqual([{ role: 'judicial-office', status: 'open', due_at: new Date(halfMonthEnd + 3 * 24 * HOUR_MS) }]);
    const education = await eventually(
      () => rows(`SELECT total, required, met FROM case_obligation_periods WHERE case_id = $1 AND obligation = 'monthlyEducation'`, [caseId]),
      (found) => found.length > 0,
    );
    expect(education[0]).toEqual({ total: 8, required: 8, met: true });

    expect((await refusalOf(handle.executeUpdate(decideCaseTaskUpdate, { args: [{ requestId: randomUUID(), fingerprint: 'w', actor: WORKER, taskId, comment: '已走访' }] }))).type).toBe('Forbidden');
    await handle.executeUpdate(decideCaseTaskUpdate, { args: [{ requestId: randomUUID(), fingerprint: 'o', actor: OFFICER, taskId, comment: '已约谈社工，补做走访' }] });
    expect(await rows(`SELECT status, comment FROM case_tasks WHERE case_id = $1 AND id = $2`, [caseId, taskId])).toEqual([{ status: 'done', comment: '已约谈社工，补做走访' }]);
    await handle.terminate();
  });

  it('continues as new at a period boundary, carrying the case on', async () => {
    const { handle } = await enrol({ isKeyPerson: true }, { historyBound: 10 });
    await handle.executeUpdate(caseEventUpdate, { args: [event(OFFICER, 'intake.completed')] });
    const firstRun = (await handle.describe()).runId;
    const enrolledMs = await env.currentTimeMs();
    await env.sleep(nextHalfMonth(enrolledMs) - enrolledMs + 1000);
    const after = await eventually(
      () => handle.describe(),
      (description) => description.runId !== firstRun,
    );
    expect(after.runId).not.toBe(firstRun);
    const state = await env.client.workflow.getHandle(handle.workflowId).query(caseStateQuery);
    expect(state.state).toBe('supervision');
    expect(state.breaches.map((b) => b.obligation)).toContain('keyPersonVisit');
    await env.client.workflow.getHandle(handle.workflowId).terminate();
  });
});
