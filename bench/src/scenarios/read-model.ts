import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';
import {
  BENCH_ROLES,
  benchCycle,
  benchJurisdiction,
  endpointQueries,
  explainEndpointQueries,
  generateReadModelData,
  readModelSizes,
  FORMER_STATEMENTS,
  removeReadModelData,
} from './read-model-data.js';

const STATEMENT_LABELS: Record<keyof typeof FORMER_STATEMENTS, string> = {
  cycleAudit: "a cycle's audit trail (GET /cycles/{id})",
  nationalOverdue: 'national overdue tasks (GET /ops/overdue, cn)',
};

/** Concurrent clients each query is measured at. */
const CONCURRENCY = [1, 10] as const;
/** Requests per query and concurrency, and the wall-clock bound of each measurement (it stops at whichever comes first). */
const REQUESTS = { quick: 40, full: 300 } as const;
const MEASUREMENT_BOUND_MS = { quick: 10_000, full: 60_000 } as const;

interface Endpoint {
  readonly name: string;
  readonly token: string;
  /** The path and query of the request; a later page's cursor is found before the measurement starts. */
  readonly path: string;
}

interface Measurement {
  readonly latenciesMs: number[];
  readonly failures: number;
  readonly firstFailure?: string;
}

/**
 * Read model at scale: inbox, overdue and process-list queries over generated data (100,000 open tasks
 * and 1,000,000 step rows; quick: 5,000 and 50,000), measured from outside over HTTP at 1 and 10
 * concurrent clients, beside the plans PostgreSQL chooses for the same queries.
 */
export const readModelScenario: Scenario = async (context) => {
  const sizes = readModelSizes(context.quick ? 5_000 : 100_000, context.quick ? 50_000 : 1_000_000);
  const now = new Date();
  // The jurisdiction of cycleOf(): its officer may read that cycle's page.
  const jurisdiction = benchJurisdiction(7 % sizes.jurisdictions);
  const role = BENCH_ROLES[0];
  const owner = new DataSource({ type: 'postgres', url: context.databaseOwnerUrl });
  await owner.initialize();
  try {
    // An interrupted earlier run may have left its rows; they would double the counts.
    await removeReadModelData(owner);
    context.progress(`read model: generating ${sizes.openTasks} open tasks (and as many decided), ${sizes.steps} steps, ${sizes.cycles} cycles in ${sizes.jurisdictions} jurisdictions`);
    const generationStarted = performance.now();
    await generateReadModelData(owner, sizes, now);
    const generationMs = performance.now() - generationStarted;
    context.progress(`read model: generated and analysed in ${(generationMs / 1000).toFixed(1)} s`);

    const plans = await explainEndpointQueries(context.databaseOwnerUrl, endpointQueries(jurisdiction, role, benchCycle(cycleOf(sizes.jurisdictions)), now));
    for (const plan of plans) {
      context.progress(`read model: plan of ${plan.name}: indexes ${plan.indexes.join(', ') || 'none'}; seq scans of tasks/cycle_steps: ${plan.seqScans.join(', ') || 'none'}`);
    }

    const endpoints = await endpointsOf(context, jurisdiction, role, benchCycle(cycleOf(sizes.jurisdictions)));
    const table: Array<Record<string, string | number>> = [];
    const metrics: Record<string, number> = {
      openTasks: sizes.openTasks,
      decidedTasks: sizes.openTasks,
      steps: sizes.steps,
      cycles: sizes.cycles,
      generationMs: Math.round(generationMs),
      plansWithSeqScan: plans.filter((plan) => plan.seqScans.length > 0).length,
    };
    const notes: string[] = [];
    // The statements as sent before and after this round's changes, alternately on the same data, so the
    // ratio comes from one run (the SQL alone: the former national list also built 10,000 items in the API).
    const statementRuns = context.quick ? 10 : 50;
    const formerArguments = { cycleAudit: [benchCycle(cycleOf(sizes.jurisdictions))], nationalOverdue: [now] } as const;
    for (const [name, forms] of Object.entries(FORMER_STATEMENTS) as Array<[keyof typeof FORMER_STATEMENTS, { before: string; after: string }]>) {
      context.progress(`read model: ${name} statement, before and after, ${statementRuns} runs each`);
      const times = { before: [] as number[], after: [] as number[] };
      for (let run = 0; run < statementRuns; run++) {
        for (const form of ['before', 'after'] as const) {
          const sent = performance.now();
          await owner.query(forms[form], [...formerArguments[name]]);
          times[form].push(performance.now() - sent);
        }
      }
      const row = (form: 'before' | 'after') => ({ p50: round(percentile(times[form], 50)), p99: round(percentile(times[form], 99)) });
      const before = row('before');
      const after = row('after');
      table.push({ query: `SQL ${STATEMENT_LABELS[name]}, before`, concurrency: 1, requests: statementRuns, failures: 0, 'p50 ms': before.p50, 'p99 ms': before.p99 });
      table.push({ query: `SQL ${STATEMENT_LABELS[name]}, after`, concurrency: 1, requests: statementRuns, failures: 0, 'p50 ms': after.p50, 'p99 ms': after.p99 });
      metrics[`${name}.beforeP50Ms`] = before.p50;
      metrics[`${name}.beforeP99Ms`] = before.p99;
      metrics[`${name}.afterP50Ms`] = after.p50;
      metrics[`${name}.afterP99Ms`] = after.p99;
      metrics[`${name}.p50Ratio`] = after.p50 > 0 ? round(before.p50 / after.p50) : Number.NaN;
    }
    for (const endpoint of endpoints) {
      for (const concurrency of CONCURRENCY) {
        context.progress(`read model: ${endpoint.name} at ${concurrency} concurrent`);
        const measured = await measure(context, endpoint, concurrency);
        const p50 = percentile(measured.latenciesMs, 50);
        const p99 = percentile(measured.latenciesMs, 99);
        table.push({ query: endpoint.name, concurrency, requests: measured.latenciesMs.length, failures: measured.failures, 'p50 ms': round(p50), 'p99 ms': round(p99) });
        const key = `${metricKey(endpoint.name)}.c${concurrency}`;
        metrics[`${key}.p50Ms`] = round(p50);
        metrics[`${key}.p99Ms`] = round(p99);
        if (measured.firstFailure) notes.push(`${endpoint.name}: ${measured.failures} failed, first: ${measured.firstFailure}`);
      }
    }
    for (const plan of plans) {
      notes.push(
        `plan of ${plan.name}: indexes ${plan.indexes.join(', ') || 'none'}; seq scans of tasks/cycle_steps: ${plan.seqScans.join(', ') || 'none'}` +
          (plan.otherSeqScans.length > 0 ? `; seq scans of smaller tables: ${plan.otherSeqScans.join(', ')}` : ''),
      );
    }
    const result: ScenarioResult = {
      scenario: 'read-model',
      title: `Read model: ${sizes.openTasks.toLocaleString('en')} open tasks, ${sizes.steps.toLocaleString('en')} step rows`,
      table,
      metrics,
      notes,
    };
    return result;
  } finally {
    context.progress('read model: removing the generated data');
    await removeReadModelData(owner);
    await owner.destroy();
  }
};

/** The requests measured, with the cursors of later pages taken from the API's own first pages. */
async function endpointsOf(context: BenchContext, jurisdiction: string, role: string, cycleId: string): Promise<Endpoint[]> {
  const officer = await context.token({ userId: 'bench-rm-officer', roles: [role], jurisdiction });
  const ops = await context.token({ userId: 'bench-rm-ops', roles: ['ops'], jurisdiction });
  const nationalOps = await context.token({ userId: 'bench-rm-national-ops', roles: ['ops'], jurisdiction: 'cn' });
  const overdueLater = await laterPagePath(context, ops, '/ops/overdue?limit=50', 'items');
  const nationalLater = await laterPagePath(context, nationalOps, '/ops/overdue?limit=50', 'items');
  const processesLater = await laterPagePath(context, ops, '/ops/processes?kind=cycle&status=running&limit=50', 'processes');
  return [
    { name: 'GET /tasks first page (20)', token: officer, path: '/tasks?limit=20' },
    { name: 'GET /tasks largest page (500)', token: officer, path: '/tasks?limit=500' },
    { name: 'GET /ops/overdue first page', token: ops, path: '/ops/overdue?limit=50' },
    { name: 'GET /ops/overdue later page', token: ops, path: overdueLater },
    { name: 'GET /ops/overdue national (cn) first page', token: nationalOps, path: '/ops/overdue?limit=50' },
    { name: 'GET /ops/overdue national (cn) later page', token: nationalOps, path: nationalLater },
    { name: 'GET /ops/processes?kind=cycle&status=running first page', token: ops, path: '/ops/processes?kind=cycle&status=running&limit=50' },
    { name: 'GET /ops/processes?kind=cycle&status=running later page', token: ops, path: processesLater },
    // The one endpoint that reads cycle_steps: a cycle's page, with its steps (steps / cycles of them).
    { name: 'GET /cycles/{id} with its steps', token: officer, path: `/cycles/${encodeURIComponent(cycleId)}` },
  ];
}

/** A generated cycle of the measured jurisdiction (generated cycle g is in jurisdiction g mod the count). */
function cycleOf(jurisdictions: number): number {
  return jurisdictions + (7 % jurisdictions);
}

/** The path of the fourth page after `firstPath` (or the last page there is), following `nextCursor`. */
async function laterPagePath(context: BenchContext, token: string, firstPath: string, itemsField: string): Promise<string> {
  let path = firstPath;
  for (let page = 1; page < 4; page += 1) {
    const body = (await getJson(context, token, path)) as Record<string, unknown>;
    const cursor = body['nextCursor'];
    if (typeof cursor !== 'string' || !Array.isArray(body[itemsField])) break;
    path = `${firstPath}&cursor=${encodeURIComponent(cursor)}`;
  }
  return path;
}

async function getJson(context: BenchContext, token: string, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, context.apiUrl), { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** `concurrency` clients send requests one after another until the count or the time bound is reached. */
async function measure(context: BenchContext, endpoint: Endpoint, concurrency: number): Promise<Measurement> {
  const total = context.quick ? REQUESTS.quick : REQUESTS.full;
  const deadline = performance.now() + (context.quick ? MEASUREMENT_BOUND_MS.quick : MEASUREMENT_BOUND_MS.full);
  const url = new URL(endpoint.path, context.apiUrl);
  const latenciesMs: number[] = [];
  let started = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const client = async (): Promise<void> => {
    while (started < total && performance.now() < deadline) {
      started += 1;
      const sent = performance.now();
      try {
        const response = await fetch(url, { headers: { authorization: `Bearer ${endpoint.token}` } });
        const body = await response.text();
        if (response.ok) latenciesMs.push(performance.now() - sent);
        else {
          failures += 1;
          firstFailure ??= `${response.status} ${body.slice(0, 200)}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latenciesMs, failures, ...(firstFailure === undefined ? {} : { firstFailure }) };
}

/** The nearest-rank percentile; NaN for no samples. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `GET /tasks first page (20)` → `tasksFirstPage20`: a JSON-friendly metric name. */
function metricKey(name: string): string {
  const words = name
    .replace(/^GET \//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0 && !['kind', 'cycle', 'status', 'running'].includes(word));
  return words.map((word, index) => (index === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('');
}
