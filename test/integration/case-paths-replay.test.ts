import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createCaseProjectionActivities } from '../../activities/case-projections.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { caseEventUpdate, caseStateQuery, type CaseWorkflowInput, caseWorkflowId } from '../../workflows/cases/messages.js';
import type { Actor } from '../../workflows/engine/types.js';
import { type CasePath, casePaths } from '../../workflows/machines/case-paths.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { testDataConverter } from '../support/payload-encryption.js';
import { PINNED_START, pinClock } from '../support/pinned-time.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';

const SEED = fileURLToPath(new URL('../../definitions/supervision/community-correction-case.yaml', import.meta.url));
const compiled = compileDefinition(readFileSync(SEED, 'utf8'), 'community-correction-case.yaml');
if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
const definition = compiled.compiled.definition as SupervisionDefinition;
const contentHash = compiled.compiled.contentHash;

const VENDOR = 'vendor-a';
/** Vendor staff: the organisation's identity role, bound to the vendor serving every replayed case. */
const STAFF: Actor = { userId: 'sw-1', name: '社工李', roles: ['vendor'], jurisdiction: '330521', vendorId: VENDOR };

/** Someone allowed to record `type`: the first role its `recordedBy` names, as that role's user (vendor staff for a staff role). */
function recorderOf(type: string): Actor {
  const role = definition.events.find((event) => event.id === type)?.recordedBy?.[0];
  if (role === undefined) throw new Error(`event "${type}" names no recorder`);
  if (definition.roles.find((candidate) => candidate.id === role)?.vendorStaff) return STAFF;
  return { userId: `${role}-1`, name: role, roles: [role], jurisdiction: '330521' };
}

/**
 * The paths start where the pinned clock does (2054-03-02 09:00 +08:00, a Monday); their events follow a
 * day apart at 10:00 +08:00, so every path's events lie in the server's future and are replayed at their
 * own instant.
 */
const START_DATE = '2054-03-02';

/**
 * Every simple path (no state entered twice) from intake to each state of the seed lifecycle, as
 * @xstate/graph enumerates them over the compiled machine, plus the one loop back a simple path cannot
 * take (below). That set is enough for the host: each transition of the definition (every `on` with a
 * target, including the guarded intake.completed) lies on at least one of them — asserted below — and
 * the workflow's handling of an event depends only on the current state and snapshot, never on how the
 * case got there, so longer paths that repeat states would replay the same transitions again. Walking
 * simple paths instead of all event permutations keeps the replay to ~20 cases of at most ~10 events.
 */
const simplePaths = casePaths(definition, 'every', { start: START_DATE });

/**
 * The one transition no simple path can take, because it returns to a state already entered: the court
 * declines to revoke (awaitingRuling → supervised). It is replayed as the shortest path to awaitingRuling
 * followed, a day later, by that event.
 */
function loopBack(): CasePath {
  const toRuling = simplePaths
    .filter((path) => path.target === 'awaitingRuling')
    .sort((a, b) => a.events.length - b.events.length)[0];
  if (!toRuling) throw new Error('no path reaches awaitingRuling');
  const last = Date.parse(String(toRuling.events[toRuling.events.length - 1]?.at));
  const at = new Date(last + 86_400_000 + 8 * 3_600_000).toISOString().replace('Z', '+08:00').replace(/\.\d{3}/, '');
  return {
    ...toRuling,
    target: 'supervised',
    states: [...toRuling.states, 'supervised'],
    events: [...toRuling.events, { type: 'revocation.rejected', date: at.slice(0, 10), at }],
  };
}

const paths = [...simplePaths, loopBack()];

describe('model-based replay of the seed lifecycle through the case workflow', () => {
  let env: TestWorkflowEnvironment;
  let dataSource: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `cases-${randomUUID()}`;

  beforeAll(async () => {
    env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('case-paths-replay'), dataConverter: testDataConverter() });
    await pinClock(env);
    ({ dataSource } = await freshDatabase('case_paths_replay'));
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

  it('covers every targeted transition of the definition with some simple path, and reaches every state', () => {
    const walked = new Set(
      paths.flatMap((path) =>
        path.states.slice(1).map((to, index) => {
          // The event that left states[index]: the last event of that step (evidence events do not change state).
          return `${path.states[index]}->${to}`;
        }),
      ),
    );
    const declared = definition.states.flatMap((state) => state.on.filter((t) => t.target !== undefined).map((t) => `${state.id}->${t.target}`));
    expect([...new Set(declared)].filter((edge) => !walked.has(edge))).toEqual([]);
    expect(new Set(paths.map((path) => path.target))).toEqual(new Set(definition.states.map((state) => state.id)));
    // Ten simple paths to the four final states (as the unit test lists them), one to each of intake,
    // supervised and awaitingRuling, and the loop back.
    expect(simplePaths).toHaveLength(13);
    expect(paths).toHaveLength(14);
  });

  it('ends each enumerated path, replayed as Updates at its own instants, in the state the path names', async () => {
    // The clock is just past the pinned start (it runs while nothing sleeps), before the first event.
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(Date.parse(PINNED_START));
    // One case per path, all enrolled at the paths' start; their events are then replayed in time order.
    const cases = await Promise.all(
      paths.map(async (path) => {
        const caseId = randomUUID();
        const input: CaseWorkflowInput = {
          caseId,
          definition,
          lifecycle: { key: definition.metadata.key, version: 1, contentHash },
          jurisdiction: '330521',
          vendorId: VENDOR,
          attributes: path.input.attributes,
          enrolledAt: path.input.at,
          enrolledBy: recorderOf('intake.completed'),
        };
        const handle = await env.client.workflow.start('caseWorkflow', { taskQueue, workflowId: caseWorkflowId(caseId), args: [input] });
        return { caseId, handle, path };
      }),
    );

    const instants = [...new Set(paths.flatMap((path) => path.events.map((event) => Date.parse(String(event.at)))))].sort((a, b) => a - b);
    for (const instant of instants) {
      const now = await env.currentTimeMs();
      // The event has happened once the clock has passed its instant (the workflow refuses events dated in its future).
      if (now <= instant) await env.sleep(instant - now + 60_000);
      for (const { handle, path } of cases) {
        const event = path.events.find((candidate) => Date.parse(String(candidate.at)) === instant);
        if (!event) continue;
        const { type, at, ...payload } = event;
        const answer = await handle.executeUpdate(caseEventUpdate, {
          args: [{ requestId: randomUUID(), fingerprint: `${type}:${String(at)}`, actor: recorderOf(type), type, payload, at: String(at) }],
        });
        expect(answer.requestId).toBeDefined();
      }
    }

    const finals = new Set(definition.states.filter((state) => state.type === 'final').map((state) => state.id));
    const reached = await Promise.all(
      cases.map(async ({ caseId, handle, path }) => {
        const state = await handle.query(caseStateQuery);
        const projected = await eventually(
          () => dataSource.query(`SELECT state, final FROM cases WHERE id = $1`, [caseId]) as Promise<Array<{ state: string; final: boolean }>>,
          (found) => found[0]?.state === path.target,
        );
        // Not `handle.result()`: on the time-skipping server, waiting on a result lets the clock run on, and the
        // cases still open would race through years of period timers.
        const { status } = await handle.describe();
        return { path: path.states.join(' → '), state: state.state, final: state.final, projected: projected[0], status: status.name };
      }),
    );
    expect(reached).toEqual(
      cases.map(({ path }) => ({
        path: path.states.join(' → '),
        state: path.target,
        final: finals.has(path.target),
        projected: { state: path.target, final: finals.has(path.target) },
        status: finals.has(path.target) ? 'COMPLETED' : 'RUNNING',
      })),
    );

    // A case at the end of a path refuses what its state does not accept, naming both, and stays as it was.
    let refusals = 0;
    for (const { handle, path } of cases.filter(({ path }) => !finals.has(path.target))) {
      const state = definition.states.find((candidate) => candidate.id === path.target);
      const accepted = new Set([...(state?.on.map((t) => t.event) ?? []), ...(state?.obligations.map((o) => o.event) ?? [])]);
      const refused = definition.events.map((event) => event.id).find((type) => !accepted.has(type)) as string;
      const before = await handle.query(caseStateQuery);
      const failure = await refusalOf(handle.executeUpdate(caseEventUpdate, { args: [{ requestId: randomUUID(), fingerprint: refused, actor: recorderOf(refused), type: refused, payload: {} }] }));
      expect(failure).toEqual({ type: 'Conflict', message: `the case is in state "${path.target}", which does not accept event "${refused}"` });
      expect(await handle.query(caseStateQuery)).toEqual(before);
      refusals++;
    }
    // intake, supervised (twice: directly and back from awaitingRuling) and awaitingRuling.
    expect(refusals).toBe(4);
    for (const { handle } of cases.filter(({ path }) => !finals.has(path.target))) await handle.terminate();
  });
});

/** The refusal an Update failed with: its error type and message. */
async function refusalOf(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
    return { type: cause.type ?? undefined, message: cause.message };
  }
  throw new Error('the update was accepted');
}
