import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';

/**
 * Case scale: N supervised persons' cases enrolled through `POST /cases`, then one period boundary
 * processed for all of them at once, on the real (not time-skipping) server.
 *
 * Why a day and not a month: a case's periods start when it is enrolled (workflow time, the API takes no
 * start date) and `alignment: calendar` periods end at local midnight of the lifecycle's `utcOffset`.
 * The next month boundary in any offset the schema accepts (±14:59) is days away, so the scenario
 * deploys the seed lifecycle (definitions/supervision/community-correction-case.yaml) with two changes:
 * its monthly obligations are per calendar day (`P1D`) and its `utcOffset` puts local midnight at a UTC
 * minute just after enrolment ends; and cases start in its `supervised` state (intake removed), where
 * those obligations run. At that midnight every case does what it does at a month's end: its timer
 * fires, three periods close unmet (education, community service, home visit), each a breach raising a
 * task for the judicial office, all projected into the read model. Measured from the boundary until the
 * API lists every such case and none as still due at it (`GET /cases?dueBefore=`): then it is past it.
 *
 * The offset is whole minutes, so the boundary is chosen before the cases are enrolled: a pilot of a few
 * cases (under a version whose midnight is hours away; they stay active and count in N) measures the
 * enrolment rate, then the rest are enrolled under a version whose midnight falls after they should be.
 */

/** Clients enrolling at once. */
const ENROL_CONCURRENCY = 20;
/** How often a long phase says where it is. */
const PROGRESS_EVERY_MS = 5_000;
/** How often the read model is asked while waiting for it. */
const POLL_EVERY_MS = 250;
/** The boundary is set this far past the predicted end of enrolment, times this factor, for a slower tail. */
const BOUNDARY_MARGIN_MS = 20_000;
/** A quick run's few cases enrol in seconds. */
const QUICK_BOUNDARY_MARGIN_MS = 5_000;
const BOUNDARY_SLACK = 1.5;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;
/** The widest offset the lifecycle schema accepts, in minutes (±14:59). */
const MAX_OFFSET_MINUTES = 14 * 60 + 59;
const SEED_LIFECYCLE = path.join(PROJECT_ROOT, 'definitions', 'supervision', 'community-correction-case.yaml');
/** The seed's obligations per calendar month; here per calendar day. */
const MONTH = 'P1M';
const DAY = 'P1D';
const RISK_LEVELS = ['low', 'low', 'medium', 'high'] as const;

export const caseScale: Scenario = async (context) => (await startCaseScale(context, 0))();

/**
 * A quick run enrols early: the boundary is a whole minute away, so waiting for it alone would cost up
 * to a minute of the two. The cases are enrolled before the other scenarios, with the boundary at least
 * QUICK_LEAD_MS later, and measured after them; a boundary that came while they ran is noted.
 */
export const QUICK_LEAD_MS = 20_000;

/**
 * Enrols the cases and fixes the boundary (at least `leadMs` after the enrolments should end); resolves
 * to the measurement: waiting for the read model and the boundary, then measuring it.
 */
export async function startCaseScale(context: BenchContext, leadMs: number): Promise<() => Promise<ScenarioResult>> {
  const run = randomBytes(4).toString('hex');
  const jurisdiction = `bench-${run}`;
  const key = `bench-case-scale-${run}`;
  const api = new Api(context.apiUrl);
  const admin = await context.token({ userId: `bench-admin-${run}`, roles: ['administrator'], jurisdiction: 'cn' });
  const officer = await context.token({ userId: `bench-officer-${run}`, roles: ['judicial-office'], jurisdiction });
  const stackPid = context.stackPid ?? (await findStackPid());
  const seed = await readFile(SEED_LIFECYCLE, 'utf8');
  const notes: string[] = [];

  const total = context.cases;
  // The pilot predicts the enrolment rate; a quick run's few cases need no prediction (its margin covers them).
  const pilot = !context.quick && total >= 40 ? Math.min(500, Math.max(20, Math.round(total * 0.05))) : 0;
  const rest = total - pilot;
  const rssAtStart = await rssOf(stackPid);

  // Every enrolment in the read model: the API shows a case once its workflow's first projection landed.
  const listed = async (query: string) => (await api.call<{ total: number }>('GET', `/cases?limit=1${query}`, officer, undefined, 200)).total;
  const projected = (count: number, deadline: number) =>
    waitFor(context, 'the read model to have every case', deadline, async () => {
      const seen = await listed('');
      return { done: seen >= count, line: `${seen} of ${count} cases in the read model` };
    });

  // The pilot's midnight is twelve hours away, so its cases never cross the measured boundary. Its rate
  // counts until the read model has its cases, for the boundary should find the projections caught up.
  let enrolled: EnrolRun = { count: 0, seconds: 0, latenciesMs: [] };
  let predictedRate = 20;
  if (pilot > 0) {
    const version = await deploy(api, admin, lifecycleText(seed, key, offsetForMidnightAt(wholeMinuteAfter(Date.now() + 12 * 3_600_000))));
    context.progress(`case-scale: pilot of ${pilot} cases under ${key} v${version}, concurrency ${ENROL_CONCURRENCY}`);
    const started = performance.now();
    const pilotRun = await enrol(context, api, officer, key, version, pilot, 0);
    await projected(pilot, Date.now() + 300_000);
    predictedRate = pilotRun.count / ((performance.now() - started) / 1000);
    enrolled = pilotRun;
  }

  // The measured boundary: after the rest should have been enrolled and projected, on a whole UTC minute.
  const margin = context.quick ? QUICK_BOUNDARY_MARGIN_MS : BOUNDARY_MARGIN_MS;
  const boundary = wholeMinuteAfter(Date.now() + (rest / predictedRate) * 1000 * BOUNDARY_SLACK + margin + leadMs);
  const offset = offsetForMidnightAt(boundary);
  const version = await deploy(api, admin, lifecycleText(seed, key, offset));
  context.progress(`case-scale: ${rest} cases under ${key} v${version} (utcOffset ${offset}: midnight at ${new Date(boundary).toISOString()})`);
  const main = await enrol(context, api, officer, key, version, rest, pilot, boundary - 5_000);
  enrolled = { count: enrolled.count + main.count, seconds: enrolled.seconds + main.seconds, latenciesMs: [...enrolled.latenciesMs, ...main.latenciesMs] };
  if (main.count < rest) notes.push(`enrolment was slower than the pilot predicted: ${rest - main.count} cases were not enrolled before the boundary`);
  const rssAfterEnrol = await rssOf(stackPid);
  const enrolmentsEnded = performance.now();

  return async () => {
    if (leadMs > 0) {
      const late = Date.now() - boundary;
      notes.push(
        late > 0
          ? `quick run: enrolled before the other scenarios, which were still running ${Math.round(late / 1000)} s after the boundary: its times are not comparable`
          : `quick run: enrolled before the other scenarios, which ended ${Math.round(-late / 1000)} s before the boundary`,
      );
    }
    // After an early enrolment the lag is counted from the end of the enrolments, however long ago.
    const caughtUp = leadMs > 0 ? enrolmentsEnded : performance.now();
    await projected(enrolled.count, boundary + 300_000);
    const readModelLagSeconds = (performance.now() - caughtUp) / 1000;

    // Every case enrolled under this version started its first day period before the boundary, so ends it there.
    const atBoundary = main.count;
    const wait = boundary - Date.now();
    if (wait > 0) {
      context.progress(`case-scale: ${atBoundary} cases due at the boundary, ${Math.ceil(wait / 1000)} s from now`);
      await sleep(wait);
    } else {
      notes.push(`the read model had every enrolment only ${Math.round(-wait / 1000)} s after the boundary: the boundary's work overlapped the enrolments' projections`);
    }

    // From the boundary until every case of it is past it in the read model: listed, and no longer due at it.
    const dueQuery = `&dueBefore=${encodeURIComponent(new Date(boundary + 1_000).toISOString())}`;
    let half: number | undefined;
    let peakRss = await rssOf(stackPid);
    const processed = await waitFor(context, 'every case past the boundary', boundary + Math.max(300_000, atBoundary * 1_000), async () => {
      const past = (await listed('')) - pilot - (await listed(dueQuery));
      const rss = await rssOf(stackPid);
      if (rss !== undefined && (peakRss === undefined || rss > peakRss)) peakRss = rss;
      if (half === undefined && past >= atBoundary / 2) half = Date.now() - boundary;
      return { done: past >= atBoundary, line: `${past} of ${atBoundary} cases past the boundary` };
    });
    const boundarySeconds = (Date.now() - boundary) / 1000;
    if (!processed) notes.push('the boundary was not processed for every case within the time limit; the time is the limit');
    const rssAfterBoundary = await rssOf(stackPid);

    const database = await databaseSizes(context.databaseOwnerUrl, jurisdiction, boundary);
    const rate = enrolled.seconds > 0 ? enrolled.count / enrolled.seconds : 0;
    const latency = summarize(enrolled.latenciesMs);
    const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
    if (stackPid === undefined) notes.push('the stack process was not found, so its RSS is not reported');
    notes.push(
      `the boundary is a calendar day's midnight standing in for a month's (see bench/src/scenarios/case-scale.ts): the same timer, period close, breach and task per case`,
      `cases run without a contract (no vendor); the boundary closed ${database.periodsAtBoundary} periods unmet and opened ${database.tasksAtBoundary} breach tasks`,
      `worker RSS is the RSS of the one \`npm start\` process (API and workers), read from /proc/<pid>/status`,
    );

    const table: Array<Record<string, string | number>> = [
      { measure: 'cases enrolled', value: enrolled.count },
      { measure: `enrolment rate (POST /cases, ${ENROL_CONCURRENCY} concurrent)`, value: `${rate.toFixed(1)} /s` },
      { measure: 'enrolment latency p50 / p99', value: `${latency.p50.toFixed(0)} / ${latency.p99.toFixed(0)} ms` },
      { measure: 'read model behind the last enrolment by', value: `${readModelLagSeconds.toFixed(1)} s` },
      { measure: 'cases at the boundary', value: atBoundary },
      { measure: 'boundary processed for half the cases', value: half === undefined ? 'n/a' : `${(half / 1000).toFixed(1)} s` },
      { measure: 'boundary processed for every case', value: `${boundarySeconds.toFixed(1)} s` },
      { measure: 'worker RSS at start / after enrolment / after boundary', value: `${mib(rssAtStart)} / ${mib(rssAfterEnrol)} / ${mib(rssAfterBoundary)}` },
      { measure: 'worker RSS peak seen during the boundary', value: mib(peakRss) },
      { measure: 'PostgreSQL database size', value: mib(database.databaseBytes) },
      ...database.tables.map((table) => ({ measure: `table ${table.name} (${table.rows} rows of this run)`, value: mib(table.bytes) })),
    ];
    const metrics: Record<string, number> = {
      cases: enrolled.count,
      enrolPerSecond: rate,
      enrolP50Ms: latency.p50,
      enrolP95Ms: latency.p95,
      enrolP99Ms: latency.p99,
      readModelLagSeconds,
      casesAtBoundary: atBoundary,
      boundarySecondsAll: boundarySeconds,
      ...(half === undefined ? {} : { boundarySecondsHalf: half / 1000 }),
      periodsClosedAtBoundary: database.periodsAtBoundary,
      tasksOpenedAtBoundary: database.tasksAtBoundary,
      ...(rssAtStart === undefined ? {} : { workerRssBytesAtStart: rssAtStart }),
      ...(rssAfterEnrol === undefined ? {} : { workerRssBytesAfterEnrolment: rssAfterEnrol }),
      ...(rssAfterBoundary === undefined ? {} : { workerRssBytesAfterBoundary: rssAfterBoundary }),
      ...(peakRss === undefined ? {} : { workerRssBytesPeakAtBoundary: peakRss }),
      pgDatabaseBytes: database.databaseBytes,
      ...Object.fromEntries(database.tables.map((table) => [`pgTableBytes.${table.name}`, table.bytes])),
  };
  const result: ScenarioResult = { scenario: 'case-scale', title: `Case scale: ${enrolled.count} cases, one period boundary for all`, table, metrics, notes };
  return result;
  };
}

// ---- the lifecycle ---------------------------------------------------------------------------

/**
 * The seed lifecycle as the bench deploys it: its own key, cases starting under supervision, monthly
 * obligations per calendar day, and the given offset. Everything else (events, roles, tasks raised) as shipped.
 */
export function lifecycleText(seed: string, key: string, utcOffset: string): string {
  const doc = parse(seed) as {
    metadata: { key: string; title: { zh: string; en: string } };
    utcOffset: string;
    initial: string;
    states: Array<{ id: string; obligations?: Array<{ per: string; alignment?: string }> }>;
  };
  doc.metadata.key = key;
  doc.metadata.title = { zh: `${doc.metadata.title.zh}（基准测试）`, en: `${doc.metadata.title.en} (benchmark: daily periods)` };
  doc.utcOffset = utcOffset;
  // Intake has no periodic obligation; supervision has them all, so cases start there.
  doc.initial = 'supervised';
  doc.states = doc.states.filter((state) => state.id !== 'intake');
  for (const state of doc.states) {
    for (const obligation of state.obligations ?? []) {
      if (obligation.per === MONTH && obligation.alignment === 'calendar') obligation.per = DAY;
    }
  }
  return stringify(doc);
}

/** The offset (`±HH:MM`, within ±14:59) in which local midnight falls at `instant` (a whole UTC minute). */
export function offsetForMidnightAt(instant: number): string {
  const minuteOfDay = Math.floor((instant % (DAY_MINUTES * MINUTE_MS)) / MINUTE_MS);
  // Local = UTC + offset; midnight when offset ≡ −minuteOfDay (mod a day). One of the two fits in ±14:59.
  const offset = minuteOfDay <= MAX_OFFSET_MINUTES ? -minuteOfDay : DAY_MINUTES - minuteOfDay;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function wholeMinuteAfter(instant: number): number {
  return Math.ceil(instant / MINUTE_MS) * MINUTE_MS;
}

async function deploy(api: Api, admin: string, text: string): Promise<number> {
  const answer = await api.call<{ definitions: Array<{ version: number }> }>('POST', '/definitions', admin, { files: [{ file: 'bench-case-scale.yaml', text }], comment: 'case-scale benchmark' }, 201);
  const version = answer.definitions[0]?.version;
  if (version === undefined) throw new Error('POST /definitions answered without the deployed version');
  return version;
}

// ---- enrolment -------------------------------------------------------------------------------

interface EnrolRun {
  readonly count: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
}

/**
 * Enrols `count` cases with ENROL_CONCURRENCY clients, each waiting for its answer before the next.
 * Bounded: starts none after `deadline` (epoch ms); stops at the first failure and rethrows it once
 * every client has stopped.
 */
async function enrol(context: BenchContext, api: Api, officer: string, lifecycleKey: string, version: number, count: number, first: number, deadline = Infinity): Promise<EnrolRun> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const started = performance.now();
  let told = started;
  const client = async () => {
    while (failure === undefined && next < count && Date.now() < deadline) {
      const index = first + next++;
      const before = performance.now();
      try {
        // Every fifth person a key person and the risk levels mixed, as in a real caseload (the seed requires riskLevel).
        const attributes = { isKeyPerson: index % 5 === 0, riskLevel: RISK_LEVELS[index % RISK_LEVELS.length] as string };
        await api.call('POST', '/cases', officer, { lifecycleKey, version, attributes, requestId: randomUUID() }, 201);
      } catch (error) {
        failure ??= { error };
        return;
      }
      const now = performance.now();
      latenciesMs.push(now - before);
      if (now - told >= PROGRESS_EVERY_MS) {
        told = now;
        context.progress(`case-scale: ${latenciesMs.length} of ${count} enrolled, ${(latenciesMs.length / ((now - started) / 1000)).toFixed(1)} /s`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ENROL_CONCURRENCY, count)) }, client));
  if (failure !== undefined) throw failure.error;
  return { count: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs };
}

// ---- waiting and measuring ------------------------------------------------------------------

/** Asks `check` every POLL_EVERY_MS until it is done or `deadline` (epoch ms) passes; true when done. */
async function waitFor(context: BenchContext, what: string, deadline: number, check: () => Promise<{ done: boolean; line: string }>): Promise<boolean> {
  let told = performance.now();
  for (;;) {
    const { done, line } = await check();
    if (done) return true;
    if (Date.now() > deadline) {
      context.progress(`case-scale: gave up waiting for ${what}: ${line}`);
      return false;
    }
    if (performance.now() - told >= PROGRESS_EVERY_MS) {
      told = performance.now();
      context.progress(`case-scale: ${line}`);
    }
    await sleep(POLL_EVERY_MS);
  }
}

/** Resident set of a process in bytes (VmRSS of /proc/<pid>/status); undefined when it cannot be read. */
async function readRss(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function rssOf(pid: number | undefined): Promise<number | undefined> {
  return pid === undefined ? undefined : readRss(pid);
}

/**
 * The `npm start` process the harness started: this process's child running the stack's entry. Used
 * when the harness does not pass its pid; undefined when there is none (a system run elsewhere).
 */
async function findStackPid(): Promise<number | undefined> {
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, then the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const command = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (command.some((argument) => argument.endsWith(path.join('apps', 'stack', 'src', 'main.js')))) {
        return Number(entry);
      }
    } catch {
      // The process ended while it was being read: not the stack.
    }
  }
  return undefined;
}

interface DatabaseSizes {
  readonly databaseBytes: number;
  readonly tables: ReadonlyArray<{ name: string; bytes: number; rows: number }>;
  readonly periodsAtBoundary: number;
  readonly tasksAtBoundary: number;
}

/** pg_database_size, and each case table's total size (with indexes and TOAST) and this run's rows in it. */
async function databaseSizes(url: string, jurisdiction: string, boundary: number): Promise<DatabaseSizes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [database] = (await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes')).rows;
    const tables = (
      await client.query<{ name: string; bytes: string }>(
        `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() AND (c.relname = 'cases' OR c.relname LIKE 'case\\_%')
          ORDER BY pg_total_relation_size(c.oid) DESC`,
      )
    ).rows;
    const counted: Array<{ name: string; bytes: number; rows: number }> = [];
    for (const table of tables) {
      // Every case table names its case; `cases` is the case. Identifiers come from pg_class, quoted.
      const column = table.name === 'cases' ? 'id' : 'case_id';
      const hasColumn = (await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, [table.name, column])).rowCount;
      const rows = hasColumn
        ? Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table.name}" WHERE ${column} IN (SELECT id FROM cases WHERE jurisdiction = $1)`, [jurisdiction])).rows[0]?.n ?? 0)
        : 0;
      counted.push({ name: table.name, bytes: Number(table.bytes), rows });
    }
    const at = new Date(boundary);
    const [periods] = (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM case_obligation_periods WHERE ended_at = $2 AND case_id IN (SELECT id FROM cases WHERE jurisdiction = $1)`, [jurisdiction, at])).rows;
    const [tasks] = (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM case_tasks WHERE opened_at = $2 AND case_id IN (SELECT id FROM cases WHERE jurisdiction = $1)`, [jurisdiction, at])).rows;
    return { databaseBytes: Number(database?.bytes ?? 0), tables: counted, periodsAtBoundary: Number(periods?.n ?? 0), tasksAtBoundary: Number(tasks?.n ?? 0) };
  } finally {
    await client.end();
  }
}

/** p50 / p95 / p99 by nearest rank: a latency some request really had. */
function summarize(samples: readonly number[]): { p50: number; p95: number; p99: number } {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** JSON over HTTP to the API under measurement; an unexpected status is an error naming the request and the answer. */
class Api {
  constructor(private readonly base: string) {}

  async call<T = unknown>(method: string, route: string, token: string, body: unknown, expected: number): Promise<T> {
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // A repeated deployment answers 200 with the existing version; the bench deploys new content each time.
    if (response.status !== expected) throw new Error(`${method} ${route} answered ${response.status}, not ${expected}: ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
