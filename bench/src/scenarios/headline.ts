import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { forEachLimited, type LoadRun, runLoad } from '../load.js';
import { noopReadyQuery, noopUpdate } from '../noop/messages.js';
import { noopWorkflow } from '../noop/noop.workflow.js';
import { startNoopWorker } from '../noop/noop-worker.js';
import { summarize } from '../percentiles.js';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';

/** The seed every figure of the issue was measured with, in its jurisdiction. */
const DEFINITION_KEY = 'deqing-community-correction';
const JURISDICTION = 'zj-deqing';
/** The first task of a Deqing cycle: the justice bureau drafts the budget. */
const FIRST_DECISION = { outcome: 'submit', fields: { supervisedPersons: 120 } } as const;
const LAUNCH_INPUTS = { pricePerPersonYear: 120_000 } as const;

/** Concurrent clients of the launch and start measurements (the first column). */
const LAUNCH_CONCURRENCY = 10;
/** The concurrency the decision ratio is stated at: measured in quick and full runs alike. */
const RATIO_CONCURRENCY = 10;
/** Operations before measuring, on both sides, so neither pays for first-use costs (JIT, connections, caches). */
const WARM_UP = 5;
const HTTP_TIMEOUT_MS = 60_000;

interface Plan {
  readonly levels: readonly number[];
  readonly perLevel: number;
  /** No load run starts operations after this long, whatever remains. */
  readonly timeLimitMs: number;
}

function plan(context: BenchContext): Plan {
  return context.quick ? { levels: [1, 10], perLevel: 20, timeLimitMs: 30_000 } : { levels: [1, 10, 50], perLevel: 200, timeLimitMs: 180_000 };
}

/**
 * The headline ratios: procureflow's launches and decisions against a no-op workflow's starts and no-op
 * Updates, measured side by side in one run on the same Temporal server. The engine is measured from
 * outside through its HTTP API (JWT, validation, read model, Update, projection, encryption); the no-op
 * through a Temporal client in the bench process, which is the floor no engine built on Temporal can beat.
 */
export const headline: Scenario = async (context) => {
  const { levels, perLevel, timeLimitMs } = plan(context);
  const api = new Api(context.apiUrl);
  const admin = await context.token({ userId: 'bench.administrator', roles: ['administrator'], jurisdiction: JURISDICTION });
  const justice = await context.token({ userId: 'bench.justice-bureau', roles: ['justice-bureau'], jurisdiction: JURISDICTION });
  const taskQueue = `bench-noop-${randomUUID().slice(0, 8)}`;
  context.progress(`bundling the no-op workflow and starting its worker on task queue ${taskQueue}`);
  const noop = await startNoopWorker({ address: context.temporalAddress, namespace: context.namespace, taskQueue });
  try {
    const launch = (): Promise<string> => api.launchCycle(admin);
    const start = (awaitUpdate: boolean) =>
      noop.client.workflow.start(noopWorkflow, {
        taskQueue,
        workflowId: `bench-noop-${randomUUID()}`,
        args: [{ awaitUpdate }],
        // Those never updated (a run stopped half-way) end by themselves on a server the user keeps.
        workflowExecutionTimeout: '1 hour',
      });

    context.progress('warming up both sides');
    const warmCycles = await forEachLimited(Array.from({ length: WARM_UP }), 1, launch);
    await forEachLimited(warmCycles, 1, async (cycleId) => api.decide(justice, await api.firstTask(justice, cycleId)));
    const warmNoops = await forEachLimited(Array.from({ length: WARM_UP }), 1, () => startReady(start));
    await forEachLimited(warmNoops, 1, (handle) => handle.executeUpdate(noopUpdate, { args: ['warm-up'], updateId: randomUUID() }));

    const total = perLevel * levels.length;
    context.progress(`launching ${total} Deqing cycles through POST /cycles, ${LAUNCH_CONCURRENCY} clients`);
    const cycleIds: string[] = [];
    const launches = await runLoad({ count: total, concurrency: LAUNCH_CONCURRENCY, timeLimitMs, operation: async () => void cycleIds.push(await launch()) });
    context.progress(`  ${describe(launches)}`);

    context.progress(`finding each cycle's first task through the inbox (GET /tasks) before starting the no-op workflows`);
    const decisionPaths = await forEachLimited(cycleIds, LAUNCH_CONCURRENCY, (cycleId) => api.firstTask(justice, cycleId));

    context.progress(`starting ${total} no-op workflows, ${LAUNCH_CONCURRENCY} clients`);
    const starts = await runLoad({ count: total, concurrency: LAUNCH_CONCURRENCY, timeLimitMs, operation: async () => void (await start(false)) });
    context.progress(`  ${describe(starts)}`);

    const byLevel: Array<{ level: number; decisions: LoadRun; updates: LoadRun }> = [];
    let offset = 0;
    for (const level of levels) {
      const paths = decisionPaths.slice(offset, offset + perLevel);
      offset += perLevel;
      context.progress(`deciding ${paths.length} first tasks (POST /tasks/{id}/decision), ${level} concurrent approvers`);
      const decisions = await runLoad({ count: paths.length, concurrency: level, timeLimitMs, operation: (i) => api.decide(justice, paths[i] as string) });
      context.progress(`  ${describe(decisions)}`);

      context.progress(`starting ${perLevel} no-op workflows that wait for an Update (not measured)`);
      const handles = await forEachLimited(Array.from({ length: perLevel }), LAUNCH_CONCURRENCY, () => startReady(start));
      context.progress(`sending each its no-op Update, ${level} concurrent clients`);
      const updates = await runLoad({
        count: handles.length,
        concurrency: level,
        timeLimitMs,
        operation: async (i) => {
          const answer = await (handles[i] as WorkflowHandle<typeof noopWorkflow>).executeUpdate(noopUpdate, { args: ['decision'], updateId: randomUUID() });
          if (answer !== 'decision') throw new Error(`the no-op Update answered ${JSON.stringify(answer)}`);
        },
      });
      context.progress(`  ${describe(updates)}`);
      byLevel.push({ level, decisions, updates });
    }
    return result(launches, starts, byLevel, context.quick);
  } finally {
    await noop.stop();
  }
};

/** Starts a no-op workflow and waits until its first task has run, so its Update handler is in place. */
async function startReady(start: (awaitUpdate: boolean) => Promise<WorkflowHandle<typeof noopWorkflow>>): Promise<WorkflowHandle<typeof noopWorkflow>> {
  const handle = await start(true);
  await handle.query(noopReadyQuery);
  return handle;
}

function result(launches: LoadRun, starts: LoadRun, byLevel: ReadonlyArray<{ level: number; decisions: LoadRun; updates: LoadRun }>, quick: boolean): ScenarioResult {
  const metrics: Record<string, number> = {
    cycle_launches_per_s: round(launches.perSecond, 1),
    noop_starts_per_s: round(starts.perSecond, 1),
    launch_ratio: round(launches.perSecond / starts.perSecond, 3),
  };
  const launchLatency = summarize(launches.latenciesMs);
  const startLatency = summarize(starts.latenciesMs);
  const table: Array<Record<string, string | number>> = [
    row('cycle launch ÷ no-op start', LAUNCH_CONCURRENCY, launches, starts, launchLatency, startLatency),
  ];
  for (const { level, decisions, updates } of byLevel) {
    const d = summarize(decisions.latenciesMs);
    const u = summarize(updates.latenciesMs);
    Object.assign(metrics, {
      [`decisions_per_s_c${level}`]: round(decisions.perSecond, 1),
      [`noop_updates_per_s_c${level}`]: round(updates.perSecond, 1),
      [`decision_ratio_c${level}`]: round(decisions.perSecond / updates.perSecond, 3),
      [`decision_p50_ms_c${level}`]: round(d.p50, 1),
      [`decision_p95_ms_c${level}`]: round(d.p95, 1),
      [`decision_p99_ms_c${level}`]: round(d.p99, 1),
      [`noop_update_p50_ms_c${level}`]: round(u.p50, 1),
      [`noop_update_p95_ms_c${level}`]: round(u.p95, 1),
      [`noop_update_p99_ms_c${level}`]: round(u.p99, 1),
    });
    table.push(row('decision ÷ no-op Update', level, decisions, updates, d, u));
  }
  const atRatio = byLevel.find((entry) => entry.level === RATIO_CONCURRENCY);
  if (atRatio) metrics['decision_ratio'] = round(atRatio.decisions.perSecond / atRatio.updates.perSecond, 3);
  Object.assign(metrics, {
    launch_p50_ms: round(launchLatency.p50, 1),
    launch_p99_ms: round(launchLatency.p99, 1),
    noop_start_p50_ms: round(startLatency.p50, 1),
    noop_start_p99_ms: round(startLatency.p99, 1),
  });
  return {
    scenario: 'headline',
    title: 'Headline ratios: procureflow against a no-op workflow on the same Temporal server',
    table,
    metrics,
    notes: [
      `launch_ratio = cycle launches/s (POST /cycles, Deqing seed) ÷ no-op workflow starts/s, both with ${LAUNCH_CONCURRENCY} clients.`,
      `decision_ratio = first decisions/s (POST /tasks/{id}/decision, each on its own fresh cycle) ÷ no-op Update round trips/s (each on its own running no-op workflow), at ${RATIO_CONCURRENCY} clients.`,
      'Closed loop: each client sends its next request when the previous one answered. Percentiles by nearest rank.',
      'The no-op side uses a Temporal client in the bench process with default (unencrypted JSON) payloads; the engine side is the whole HTTP path of `npm start`.',
      ...(quick ? ['Quick run: small counts, for smoke testing; not for comparison.'] : []),
    ],
  };
}

function row(
  what: string,
  concurrency: number,
  engine: LoadRun,
  noop: LoadRun,
  e: ReturnType<typeof summarize>,
  n: ReturnType<typeof summarize>,
): Record<string, string | number> {
  return {
    measure: what,
    clients: concurrency,
    ops: engine.completed,
    'engine /s': round(engine.perSecond, 1),
    'no-op /s': round(noop.perSecond, 1),
    ratio: round(engine.perSecond / noop.perSecond, 3),
    'engine p50 ms': round(e.p50, 1),
    'engine p95 ms': round(e.p95, 1),
    'engine p99 ms': round(e.p99, 1),
    'no-op p50 ms': round(n.p50, 1),
    'no-op p95 ms': round(n.p95, 1),
    'no-op p99 ms': round(n.p99, 1),
  };
}

function describe(run: LoadRun): string {
  const s = summarize(run.latenciesMs);
  return `${run.completed} in ${run.seconds.toFixed(1)} s: ${run.perSecond.toFixed(1)}/s, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms`;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The few calls of procureflow's HTTP API the headline makes, each checked for the answer it must give. */
class Api {
  constructor(private readonly baseUrl: string) {}

  async launchCycle(token: string): Promise<string> {
    const body = await this.call('POST', '/cycles', token, 201, { definitionKey: DEFINITION_KEY, inputs: LAUNCH_INPUTS, requestId: randomUUID() });
    const cycleId = (body as { cycleId?: unknown }).cycleId;
    if (typeof cycleId !== 'string') throw new Error(`POST /cycles answered without a cycleId: ${JSON.stringify(body)}`);
    return cycleId;
  }

  /**
   * The decision path of the cycle's first open task, from the inbox. A launch answers before its first
   * projection lands, so the inbox is asked again until the task is there (bounded).
   */
  async firstTask(token: string, cycleId: string): Promise<string> {
    const deadline = Date.now() + HTTP_TIMEOUT_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      const body = (await this.call('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, token, 200)) as { tasks?: Array<{ links?: { decision?: string } }> };
      const decision = body.tasks?.[0]?.links?.decision;
      if (decision) return decision;
      if (Date.now() > deadline) throw new Error(`no open task of ${cycleId} in the inbox after ${HTTP_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async decide(token: string, decisionPath: string): Promise<void> {
    await this.call('POST', decisionPath, token, 200, { requestId: randomUUID(), ...FIRST_DECISION });
  }

  private async call(method: 'GET' | 'POST', pathAndQuery: string, token: string, expected: number, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${pathAndQuery} answered ${response.status}, not ${expected}: ${text.slice(0, 500)}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
