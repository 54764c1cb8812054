import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import protos from '@temporalio/proto';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { PROCUREFLOW_KIND, PROCUREFLOW_STATUS, PROCUREFLOW_STEP } from '../../workflows/search-attributes.js';
import { findInstalledBinaries } from '../../src/infra/temporal/local-temporal.js';
import { tokenFor } from '../support/api-server.js';
import { calendarFilesAround } from '../support/calendars.js';
import { eventually } from '../support/eventually.js';
import { followProcess, PROCUREFLOW_BIN, runToCompletion, spawnNode } from '../support/processes.js';
import { type ProcurementApiOnSharedServer, startProcurementApi } from '../support/procurement-api.js';
import { sharedTemporalAddress, toolsDir } from '../support/test-environment.js';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { EventType } = protos.temporal.api.enums.v1;

const MINIMAL_PROCEDURE = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
// Jurisdictions of this run only: the dev server's visibility store is shared by every test file.
const RUN = randomUUID().replace(/-/g, '').slice(0, 8);
const NORTH = `north-${RUN}`;
const SOUTH = `south-${RUN}`;
const procedureOf = (jurisdiction: string) => `${jurisdiction}-community-correction`;

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}
interface ProcessView {
  kind: string;
  workflowId: string;
  jurisdiction: string;
  definitionKey: string;
  step: string | null;
  status: string;
  openTasks: number;
}
interface ProcessList {
  processes: ProcessView[];
  nextCursor: string | null;
}
interface Inspection extends ProcessView {
  temporalStatus: string | null;
  timeline: Array<{ at: string; source: string; type: string; summary: string; activity?: string; attempt?: number }>;
  tasks: Array<{ id: string; holders: string[] }>;
  webUiUrl: string | null;
}

/**
 * The ops process list, the inspection of one process and the Temporal search attributes, on real
 * PostgreSQL and the real Temporal dev server, through the HTTP API.
 */
describe('ops: processes listed, searched and inspected', () => {
  let api: ProcurementApiOnSharedServer;
  const tokens: Record<string, string> = {};
  let north1 = '';
  let north2 = '';
  let south1 = '';

  async function call<T>(route: string, who: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<Answer<T>> {
    const token = tokens[who];
    if (!token) throw new Error(`no token for ${who}`);
    const response = await api.send(method, route, token, body);
    return { status: response.status, body: (await response.json()) as T };
  }
  const list = (who: string, query = '') => call<ProcessList>(`/ops/processes${query}`, who);
  const ids = (answer: Answer<ProcessList>) => answer.body.processes.map((p) => p.workflowId).sort();
  async function launch(who: string, jurisdiction: string): Promise<string> {
    const answer = await call<{ cycleId: string }>('/cycles', who, 'POST', { definitionKey: procedureOf(jurisdiction), inputs: { supervisedPersons: 40 } });
    expect(answer.status).toBe(201);
    return answer.body.cycleId;
  }
  async function decide(taskId: string, who: string, outcome: string, fields: Record<string, unknown> = {}): Promise<void> {
    const answer = await call(`/tasks/${encodeURIComponent(taskId)}/decision`, who, 'POST', { requestId: randomUUID(), outcome, fields });
    expect(answer.status).toBe(200);
  }

  beforeAll(async () => {
    api = await startProcurementApi('ops-processes', { temporal: 'shared' });
    const people: Record<string, { roles: string[]; jurisdiction: string }> = {
      northAdmin: { roles: ['administrator'], jurisdiction: NORTH },
      southAdmin: { roles: ['administrator'], jurisdiction: SOUTH },
      northOps: { roles: ['ops'], jurisdiction: NORTH },
      southOps: { roles: ['ops'], jurisdiction: SOUTH },
      nationalOps: { roles: ['ops'], jurisdiction: 'cn' },
      nationalAdmin: { roles: ['administrator'], jurisdiction: 'cn' },
      drafter: { roles: ['justice-bureau'], jurisdiction: NORTH },
      reviewer: { roles: ['finance-bureau'], jurisdiction: NORTH },
    };
    for (const [who, person] of Object.entries(people)) tokens[who] = await tokenFor({ userId: who, name: who, ...person });
    for (const [jurisdiction, admin] of [[NORTH, 'northAdmin'], [SOUTH, 'southAdmin']] as const) {
      const text = MINIMAL_PROCEDURE.replaceAll('test-county', jurisdiction);
      expect((await call('/definitions', admin, 'POST', { files: [{ file: 'procedure.yaml', text }] })).status).toBe(201);
    }
    expect((await call('/definitions', 'nationalAdmin', 'POST', { files: calendarFilesAround() })).status).toBe(201);

    north1 = await launch('northAdmin', NORTH);
    north2 = await launch('northAdmin', NORTH);
    south1 = await launch('southAdmin', SOUTH);
    // North 1 moves on to its public notice: a decision, a notice and a comment-period timer.
    // Each waits at its first task (the budget draft) once the read model has it.
    await eventually(() => list('nationalOps', '?role=justice-bureau'), (answer) => answer.body.processes.length === 3);
    await decide(`${north1}/draftBudget#1`, 'drafter', 'submit', { justification: '按在册人数编制' });
    await decide(`${north1}/reviewBudget#1`, 'reviewer', 'approve');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('filters Temporal workflows by the typed search attributes', async () => {
    const query = `ProcureflowJurisdiction="${NORTH}" AND ProcureflowStep="publicNotice"`;
    const found = async () => {
      const workflowIds: string[] = [];
      for await (const workflow of api.temporalClient.workflow.list({ query })) workflowIds.push(workflow.workflowId);
      return workflowIds;
    };
    expect(await eventually(found, (workflowIds) => workflowIds.length > 0)).toEqual([north1]);

    const budgeting: string[] = [];
    for await (const workflow of api.temporalClient.workflow.list({ query: `ProcureflowJurisdiction="${NORTH}" AND ProcureflowStep="budgeting" AND ProcureflowKind="cycle"` })) {
      budgeting.push(workflow.workflowId);
    }
    expect(budgeting).toEqual([north2]);
    const south: string[] = [];
    for await (const workflow of api.temporalClient.workflow.list({ query: `ProcureflowDefinition="${procedureOf(SOUTH)}"` })) south.push(workflow.workflowId);
    expect(south).toEqual([south1]);

    // The same query through the Temporal CLI, as an operator types it.
    const cli = (await findInstalledBinaries(toolsDir()))?.cli;
    expect(cli).toEqual(expect.any(String));
    const { stdout } = await promisify(execFile)(cli as string, ['workflow', 'list', '--address', sharedTemporalAddress(), '--query', query, '--output', 'json']);
    const listed = JSON.parse(stdout) as Array<{ execution: { workflowId: string } }>;
    expect(listed.map((workflow) => workflow.execution.workflowId)).toEqual([north1]);
  });

  it('writes one search-attribute upsert when a cycle launches, and its attributes still say where it is', async () => {
    // north2 has only launched: its first workflow task opened the budget draft, and it has waited since.
    const handle = api.temporalClient.workflow.getHandle(north2);
    const events = (await handle.fetchHistory()).events ?? [];
    const firstTaskEnd = events.findIndex((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const nextTask = events.findIndex((event, index) => index > firstTaskEnd && event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const upserts = events
      .slice(firstTaskEnd + 1, nextTask === -1 ? undefined : nextTask)
      .filter((event) => event.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
      .map((event) => Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort());
    // The SDK's own upsert of the patch it took; the start attributes already say budgeting and running.
    expect(upserts).toEqual([['TemporalChangeVersion']]);
    const { typedSearchAttributes } = await handle.describe();
    expect([typedSearchAttributes.get(PROCUREFLOW_STEP), typedSearchAttributes.get(PROCUREFLOW_STATUS), typedSearchAttributes.get(PROCUREFLOW_KIND)]).toEqual(['budgeting', 'running', 'cycle']);
  });

  it('lists exactly the processes each filter selects, within the caller’s jurisdiction', async () => {
    expect(ids(await list('northOps'))).toEqual([north1, north2].sort());
    expect(ids(await list('northOps', `?jurisdiction=${SOUTH}`))).toEqual([]);
    expect(ids(await list('southOps'))).toEqual([south1]);
    expect(ids(await list('nationalOps'))).toEqual([north1, north2, south1].sort());
    expect(ids(await list('nationalOps', `?jurisdiction=${SOUTH}`))).toEqual([south1]);
    expect(ids(await list('nationalOps', `?definition=${procedureOf(NORTH)}`))).toEqual([north1, north2].sort());
    expect(ids(await list('nationalOps', '?step=publicNotice'))).toEqual([north1]);
    expect(ids(await list('nationalOps', '?step=budgeting&kind=cycle&status=running'))).toEqual([north2, south1].sort());
    expect(ids(await list('nationalOps', '?role=justice-bureau'))).toEqual([north2, south1].sort());
    expect(ids(await list('nationalOps', '?kind=case'))).toEqual([]);
    expect(ids(await list('nationalOps', '?olderThan=1d'))).toEqual([]);
    expect(ids(await list('nationalOps', '?olderThan=2000-01-01'))).toEqual([]);
    expect(ids(await list('nationalOps', `?olderThan=${encodeURIComponent('2999-01-01T00:00:00+08:00')}`))).toEqual([north1, north2, south1].sort());
    expect(ids(await list('nationalOps', '?overdueFor=1h'))).toEqual([]);
    const north = (await list('northOps', '?step=publicNotice')).body.processes[0];
    expect(north).toMatchObject({ kind: 'cycle', workflowId: north1, jurisdiction: NORTH, definitionKey: procedureOf(NORTH), step: 'publicNotice', status: 'running', openTasks: 0 });
  });

  it('refuses malformed filters with 422 naming the field, and callers without the ops or administrator role with 403', async () => {
    const bad = await list('nationalOps', '?overdueFor=soon');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('overdueFor');
    // Working days late is GET /ops/overdue's overdueBy; here it is refused rather than read as clock time.
    const workingDays = await list('nationalOps', '?overdueBy=2');
    expect(workingDays.status).toBe(422);
    expect(JSON.stringify(workingDays.body)).toContain('overdueBy');
    const notAnAge = await list('nationalOps', '?olderThan=2026-02-30');
    expect(notAnAge.status).toBe(422);
    expect(JSON.stringify(notAnAge.body)).toContain('olderThan');
    const cursor = await list('nationalOps', '?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(422);
    expect(JSON.stringify(cursor.body)).toContain('cursor');
    expect((await list('drafter')).status).toBe(403);
  });

  it('pages with a cursor through every process once, even when a cycle is launched between pages', async () => {
    const seen: string[] = [];
    let page = await list('nationalOps', '?limit=1');
    seen.push(...page.body.processes.map((p) => p.workflowId));
    const launchedMeanwhile = await launch('southAdmin', SOUTH);
    await eventually(() => list('nationalOps', `?jurisdiction=${SOUTH}`), (answer) => answer.body.processes.length === 2);
    while (page.body.nextCursor) {
      page = await list('nationalOps', `?limit=1&cursor=${page.body.nextCursor}`);
      expect(page.status).toBe(200);
      expect(page.body.processes.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.processes.map((p) => p.workflowId));
    }
    // Newest first: the one launched before paging began comes first; the one launched during it is not reached.
    expect(seen).toEqual([south1, north2, north1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(launchedMeanwhile);
  });

  it('inspects one process: the decision, the notice, the timer and the activity attempts in time order, and the Web UI link', async () => {
    const answer = await eventually(
      () => call<Inspection>(`/ops/processes/${encodeURIComponent(north1)}`, 'northOps'),
      (a) => a.status === 200 && a.body.timeline.some((e) => e.type === 'notice'),
    );
    const view = answer.body;
    expect(view).toMatchObject({ kind: 'cycle', workflowId: north1, step: 'publicNotice', status: 'running', temporalStatus: 'RUNNING', tasks: [] });
    expect(view.webUiUrl).toMatch(new RegExp(`/namespaces/default/workflows/${north1}$`));
    const types = view.timeline.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['workflowExecutionStarted', 'decision', 'notice', 'audit', 'timerStarted', 'activityTaskScheduled', 'activityTaskStarted', 'activityTaskCompleted', 'workflowExecutionUpdateAccepted']));
    const times = view.timeline.map((e) => e.at);
    expect(times).toEqual([...times].sort());
    const started = view.timeline.filter((e) => e.type === 'activityTaskStarted');
    expect(started[0]).toMatchObject({ source: 'temporal', activity: 'recordCycleLaunched', attempt: 1 });
    // The decisions' projections ran as local activities: one marker each, named by activity and attempt, never a pending activity.
    const local = view.timeline.filter((e) => e.type === 'localActivityCompleted');
    expect(local).toContainEqual(expect.objectContaining({ source: 'temporal', activity: 'applyCommands', attempt: 1, summary: 'localActivityCompleted · applyCommands · attempt 1' }));
    expect(started.map((e) => e.activity)).not.toContain('applyCommands');
    expect(view.timeline.map((e) => e.type)).not.toContain('markerRecorded');
    const decisions = view.timeline.filter((e) => e.type === 'decision').map((e) => e.summary);
    expect(decisions).toEqual([expect.stringContaining('draftBudget'), expect.stringContaining('reviewBudget')]);
    // History payloads are encrypted and never decoded into the timeline.
    expect(JSON.stringify(view.timeline)).not.toContain('按在册人数编制');

    const waiting = await call<Inspection>(`/ops/processes/${encodeURIComponent(north2)}`, 'northOps');
    expect(waiting.body.tasks).toEqual([expect.objectContaining({ id: `${north2}/draftBudget#1`, holders: ['justice-bureau'] })]);
  });

  it('prints the list and the inspection on the command line, as a table and as JSON', async () => {
    const procureflow = (who: string, args: string[]) => runToCompletion(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens[who] as string }, [...args, '--api', api.baseUrl]);
    const table = await procureflow('northOps', ['ops', 'list', '--step', 'publicNotice']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^WORKFLOW\s+KIND\s+JURISDICTION/);
    expect(table.stdout).toContain(north1);
    const json = await procureflow('nationalOps', ['ops', 'list', '--jurisdiction', NORTH, '--limit', '1', '--json']);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout) as ProcessList;
    expect(page.processes).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const inspected = await procureflow('northOps', ['ops', 'inspect', north1]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(`cycle ${north1}`);
    expect(inspected.stdout).toContain('Timeline:');
    expect(inspected.stdout).toContain('timerStarted');
  });

  it('answers 404 for another jurisdiction’s process, as for one that does not exist', async () => {
    expect((await call(`/ops/processes/${encodeURIComponent(north1)}`, 'southOps')).status).toBe(404);
    expect((await call('/ops/processes/cycle-does-not-exist', 'northOps')).status).toBe(404);
    expect((await call(`/ops/processes/${encodeURIComponent(north1)}`, 'nationalOps')).status).toBe(200);
  });

  it('follows the list with --watch: renders again, shows a cycle launched meanwhile, and ends with exit 0 on Ctrl-C', async () => {
    const watch = followProcess(spawnNode(PROCUREFLOW_BIN, { PROCUREFLOW_TOKEN: tokens['northOps'] as string }, ['ops', 'list', '--kind', 'cycle', '--watch', '--api', api.baseUrl]));
    // Piped output is not cleared between renders: each render is a table starting with its header.
    const renders = (stdout: string) => stdout.split(/^(?=WORKFLOW\s+KIND\s)/m).filter((render) => render.trim() !== '');
    let ended: Awaited<ReturnType<typeof watch.interrupt>> | undefined;
    try {
      await watch.until((stdout) => renders(stdout).length >= 1);
      const [first = ''] = renders(watch.stdout());
      expect(first).toContain(north1);
      expect(first).toContain(north2);
      const launched = await launch('northAdmin', NORTH);
      // A later render shows the cycle launched meanwhile (once the read model has it).
      await watch.until((stdout) => renders(stdout).slice(1).some((render) => render.includes(launched)));
    } finally {
      ended = await watch.interrupt();
    }
    expect(ended).toEqual({ code: 0, signal: null });
    expect(watch.stderr()).toBe('');
  });
});
