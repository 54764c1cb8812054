import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protos from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createCaseProjectionActivities } from '../../activities/case-projections.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { caseEventUpdate, caseStateQuery, type CaseWorkflowInput, caseWorkflowId, DEFAULT_HISTORY_BOUND } from '../../workflows/cases/messages.js';
import type { Actor } from '../../workflows/engine/types.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { PINNED_START, pinClock } from '../support/pinned-time.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

const { EventType } = protos.temporal.api.enums.v1;

const SEED = fileURLToPath(new URL('../../definitions/supervision/community-correction-case.yaml', import.meta.url));
const compiled = compileDefinition(readFileSync(SEED, 'utf8'), 'community-correction-case.yaml');
if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
const definition = compiled.compiled.definition as SupervisionDefinition;

const VENDOR = 'vendor-a';
const OFFICER: Actor = { userId: 'officer-1', name: '司法所王', roles: ['judicial-office'], jurisdiction: '330521' };
const STAFF: Actor = { userId: 'sw-1', name: '社工李', roles: ['vendor'], jurisdiction: '330521', vendorId: VENDOR };

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3_600_000;

/**
 * The calendar, by hand. The clock is pinned at 2054-03-02 09:00 +08:00, a Monday; intake completes then, so
 * supervision and its periods start at that instant. The sentence ends on 2059-02-28 (a Friday: 2054-03-02 to
 * 2059-03-02 is 5 × 365 + 1 leap day = 1,826 days = 260 weeks and 6 days, so 2059-03-02 is a Sunday) at 12:00 +08:00.
 * - Months: March 2054 … February 2059 is 60 calendar months; the boundaries 2054-04-01 … 2059-02-01 (59) close a
 *   period each, and leaving supervision closes the 60th (February 2059, cut short).
 * - Weeks (Monday to Sunday): Mondays 2054-03-09 … 2059-02-23 — 1,820 days after 2054-03-02 is 260 weeks — close
 *   260 periods; leaving supervision closes the 261st.
 * Evidence: a phone call every Wednesday 10:00 +08:00 (2054-03-04 + 7k, k = 0 … 260, one in each week) except in
 * weeks 51, 103, 155, 207 and 259 (one a year: 256 calls), and on the first of those Wednesdays in each month 8 h of
 * education (except in month 30, September 2056: 59 records), 8 h of community service and a home visit (60 each).
 * So 6 breaches, each a full period closed by its end: the five weeks and that month, each raising its task.
 */
const SUPERVISION_START = Date.parse(PINNED_START);
const SENTENCE_END = Date.parse('2059-02-28T04:00:00.000Z');
const FIRST_WEDNESDAY = Date.parse('2054-03-04T02:00:00.000Z');
const WEEKS = 261;
const MONTHS = 60;
const MISSED_WEEKS = [51, 103, 155, 207, 259];
const MISSED_EDUCATION_MONTH = 30;

/** Midnight +08:00 on the Monday starting week `k` of supervision (week 0 starts Monday 2054-03-02). */
const weekStart = (k: number) => Date.UTC(2054, 2, 2) - CST_MS + k * 7 * DAY_MS;
/** Midnight +08:00 on the first of the month `offset` months after March 2054. */
const monthStart = (offset: number) => Date.UTC(2054, 2 + offset, 1) - CST_MS;

describe('a five-year case on the seed lifecycle', () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `cases-${randomUUID()}`;

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('case-five-years'), dataConverter: testDataConverter() });
    await pinClock(env);
    ({ dataSource } = await freshDatabase('case_five_years'));
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

  it('runs five years of obligations to release, each run of the chain under 10,000 history events, keeping every event, period and breach', async () => {
    const caseId = randomUUID();
    const workflowId = caseWorkflowId(caseId);
    const input: CaseWorkflowInput = {
      caseId,
      definition,
      lifecycle: { key: definition.metadata.key, version: 1, contentHash: compiled.compiled.contentHash },
      jurisdiction: '330521',
      vendorId: VENDOR,
      attributes: { isKeyPerson: false, riskLevel: 'low' },
      enrolledAt: PINNED_START,
      enrolledBy: OFFICER,
      // No historyBound: the shipped default is what this test proves.
    };
    const started = await env.client.workflow.start('caseWorkflow', { taskQueue, workflowId, args: [input] });
    // Later runs of the chain answer under the workflow id alone.
    const handle = env.client.workflow.getHandle(workflowId);
    // Each event dated at the instant it happened (the clock runs on a little while the test sends).
    const send = (actor: Actor, type: string, payload: Record<string, unknown>, at: number) =>
      handle.executeUpdate(caseEventUpdate, {
        args: [{ requestId: randomUUID(), fingerprint: `${type}:${at}:${JSON.stringify(payload)}`, actor, type, payload, at: new Date(at).toISOString() }],
      });
    const sleepUntil = async (instant: number) => {
      const now = await env.currentTimeMs();
      if (instant > now) await env.sleep(instant - now);
    };
    const localDate = (instant: number) => new Date(instant + CST_MS).toISOString().slice(0, 10);

    const day = localDate(SUPERVISION_START);
    await send(STAFF, 'archive.created', { date: day, employment: '个体经营', family: '已婚，一子', health: '良好' }, SUPERVISION_START);
    await send(STAFF, 'intakeEducation.recorded', { days: 3, date: day }, SUPERVISION_START);
    await send(STAFF, 'psychTest.recorded', { date: day, outcome: 'normal' }, SUPERVISION_START);
    await send(OFFICER, 'correctionGroup.formed', { members: 3, date: day }, SUPERVISION_START);
    expect(await send(OFFICER, 'intake.completed', { date: day }, SUPERVISION_START)).toMatchObject({ state: 'supervised' });

    const monthsEvidenced = new Set<string>();
    for (let week = 0; week < WEEKS; week++) {
      const wednesday = FIRST_WEDNESDAY + week * 7 * DAY_MS;
      await sleepUntil(wednesday);
      const date = localDate(wednesday);
      if (!monthsEvidenced.has(date.slice(0, 7))) {
        const month = monthsEvidenced.size;
        monthsEvidenced.add(date.slice(0, 7));
        if (month !== MISSED_EDUCATION_MONTH) await send(STAFF, 'education.recorded', { hours: 8, date }, wednesday);
        await send(STAFF, 'communityService.recorded', { hours: 8, date }, wednesday);
        await send(STAFF, 'visit.recorded', { date, place: 'home' }, wednesday);
      }
      if (!MISSED_WEEKS.includes(week)) await send(STAFF, 'phone.recorded', { date }, wednesday);
    }
    expect(monthsEvidenced.size).toBe(MONTHS);
    await sleepUntil(SENTENCE_END);
    expect(await send(OFFICER, 'sentence.completed', { date: localDate(SENTENCE_END) }, SENTENCE_END)).toMatchObject({ state: 'released', final: true });
    expect(await handle.result()).toEqual({ state: 'released', status: 'completed' });

    // The chain of runs, from the first by each run's continued-as-new event; each run's length from the server.
    const runs: Array<{ runId: string; events: number; described: number; suggested: number; ended: string }> = [];
    for (let runId: string | undefined = started.firstExecutionRunId; runId !== undefined; ) {
      const run = env.client.workflow.getHandle(workflowId, runId);
      const events: protos.temporal.api.history.v1.IHistoryEvent[] = (await run.fetchHistory()).events ?? [];
      const described = await env.client.workflowService.describeWorkflowExecution({ namespace: env.client.options.namespace, execution: { workflowId, runId } });
      const last: protos.temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
      runs.push({
        runId,
        events: events.length,
        described: Number(described.workflowExecutionInfo?.historyLength ?? 0),
        suggested: events.filter((event) => event.workflowTaskStartedEventAttributes?.suggestContinueAsNew === true).length,
        ended:
          last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
            ? 'continuedAsNew'
            : last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
              ? 'completed'
              : String(last?.eventType),
      });
      runId = last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined) : undefined;
    }
    const total = runs.reduce((sum, run) => sum + run.events, 0);
    // Several runs, none near Temporal's limits; the five years together are far past the bound one history may reach.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(total).toBeGreaterThan(DEFAULT_HISTORY_BOUND);
    for (const run of runs) {
      expect(run.described).toBe(run.events);
      expect(run.events).toBeLessThan(10_000);
    }
    // The server suggested continuing as new (`continueAsNewSuggested`) before the shipped bound was reached, and
    // each earlier run did so at its next period boundary; the last run, short, was never told to.
    for (const run of runs.slice(0, -1)) {
      expect(run.suggested).toBeGreaterThan(0);
      expect(run.events).toBeLessThan(DEFAULT_HISTORY_BOUND);
      expect(run.ended).toBe('continuedAsNew');
    }
    expect(runs[runs.length - 1]).toMatchObject({ suggested: 0, ended: 'completed' });
    expect(runs[runs.length - 1]?.runId).toBe((await handle.describe()).runId);

    // The read model kept every event and every period, across the runs.
    await eventually(
      () => dataSource.query(`SELECT state, final FROM cases WHERE id = $1`, [caseId]) as Promise<Array<{ state: string; final: boolean }>>,
      (found) => found[0]?.final === true,
    );
    const events = (await dataSource.query(`SELECT type, count(*)::int AS n FROM case_events WHERE case_id = $1 GROUP BY type ORDER BY type`, [caseId])) as Array<{ type: string; n: number }>;
    expect(events).toEqual(
      [
        { type: 'archive.created', n: 1 },
        { type: 'communityService.recorded', n: MONTHS },
        { type: 'correctionGroup.formed', n: 1 },
        { type: 'education.recorded', n: MONTHS - 1 },
        { type: 'intake.completed', n: 1 },
        { type: 'intakeEducation.recorded', n: 1 },
        { type: 'phone.recorded', n: WEEKS - MISSED_WEEKS.length },
        { type: 'psychTest.recorded', n: 1 },
        { type: 'sentence.completed', n: 1 },
        { type: 'visit.recorded', n: MONTHS },
      ].sort((a, b) => (a.type < b.type ? -1 : 1)),
    );
    const periods = (await dataSource.query(
      `SELECT obligation, count(*)::int AS n, bool_and(met) AS met, min(period) AS first, max(period) AS last FROM case_obligation_periods WHERE case_id = $1 GROUP BY obligation ORDER BY obligation`,
      [caseId],
    )) as Array<{ obligation: string; n: number; met: boolean; first: number; last: number }>;
    const supervised = (n: number, met = true) => ({ n, met, first: 0, last: n - 1 });
    const stay = { n: 1, met: true, first: null, last: null };
    expect(Object.fromEntries(periods.map(({ obligation, ...rest }) => [obligation, rest]))).toEqual({
      archive: stay,
      communityService: supervised(MONTHS),
      correctionGroup: stay,
      education: supervised(MONTHS, false),
      homeVisit: supervised(MONTHS),
      intakeEducation: stay,
      phoneFollowUp: supervised(WEEKS, false),
      psychTest: stay,
    });
    // The education periods end at each month's first, midnight +08:00, then at the sentence's end; month 30 had none.
    const education = (await dataSource.query(`SELECT period, started_at, ended_at, total, closed_by FROM case_obligation_periods WHERE case_id = $1 AND obligation = 'education' ORDER BY period`, [caseId])) as Array<{
      period: number;
      started_at: Date;
      ended_at: Date;
      total: number;
      closed_by: string;
    }>;
    expect(education.map((p) => [p.period, p.started_at.getTime(), p.ended_at.getTime(), p.total, p.closed_by])).toEqual(
      Array.from({ length: MONTHS }, (_, i) => [i, i === 0 ? SUPERVISION_START : monthStart(i), i === MONTHS - 1 ? SENTENCE_END : monthStart(i + 1), i === MISSED_EDUCATION_MONTH ? 0 : 8, i === MONTHS - 1 ? 'stateExit' : 'period.elapsed']),
    );
    const breaches = (await dataSource.query(
      `SELECT b.obligation, b.period, b.ended_at, t.kind, t.status FROM case_breaches b JOIN case_tasks t ON t.case_id = b.case_id AND t.id = b.task_id WHERE b.case_id = $1 ORDER BY b.obligation, b.period`,
      [caseId],
    )) as Array<{ obligation: string; period: number; ended_at: Date; kind: string; status: string }>;
    expect(breaches.map((b) => [b.obligation, b.period, b.ended_at.getTime(), b.kind, b.status])).toEqual([
      ['education', MISSED_EDUCATION_MONTH, monthStart(MISSED_EDUCATION_MONTH + 1), 'reviewMissedEducation', 'open'],
      ...MISSED_WEEKS.map((k) => ['phoneFollowUp', k, weekStart(k + 1), 'reviewMissedPhoneFollowUp', 'open']),
    ]);
    // The last run's query agrees: released, every period and breach carried through the runs.
    const state = await handle.query(caseStateQuery);
    expect({ state: state.state, breaches: state.breaches.length, tasks: state.tasks.length, periods: state.history.length }).toEqual({
      state: 'released',
      breaches: 1 + MISSED_WEEKS.length,
      tasks: 1 + MISSED_WEEKS.length,
      periods: 4 + 3 * MONTHS + WEEKS,
    });
    testLog('case-five-years')(`five-year case: ${runs.length} runs of ${runs.map((run) => run.events).join(', ')} history events (${total} in all)`);
  }, 900_000);
});
