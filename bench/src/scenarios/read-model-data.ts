import { DataSource, type Logger } from 'typeorm';
import { CyclesRepository } from '../../../apps/api/src/cycles/cycles.repository.js';
import { processPageSql } from '../../../apps/api/src/ops/processes/process-filter.js';
import { OverdueRepository } from '../../../apps/api/src/ops/overdue/overdue.repository.js';
import { TasksRepository } from '../../../apps/api/src/tasks/tasks.repository.js';
import { ENTITIES } from '../../../src/persistence/data-source.js';

/**
 * Generated read-model data for measuring the inbox, overdue and process-list queries at scale, and the
 * plans PostgreSQL chooses for them. Everything generated is marked by `BENCH_PREFIX` (cycle ids and
 * jurisdictions), so it never mixes with real data and is removed by prefix.
 */
export const BENCH_PREFIX = 'bench-rm-';

/** Office roles of the seed procedures: the inbox of each is a realistic share of a jurisdiction's tasks. */
export const BENCH_ROLES = ['justice-bureau', 'finance-bureau', 'judicial-office', 'auditor', 'procurement-centre', 'evaluation-panel'] as const;

export interface ReadModelSizes {
  /** Open tasks; as many decided ones are generated beside them, as a running system has. */
  readonly openTasks: number;
  readonly steps: number;
  readonly cycles: number;
  readonly jurisdictions: number;
}

export function readModelSizes(openTasks: number, steps: number): ReadModelSizes {
  // Five open tasks per cycle and 50 cycles per jurisdiction keep a city's inbox at a few hundred tasks.
  const cycles = Math.max(1, Math.ceil(openTasks / 5));
  return { openTasks, steps, cycles, jurisdictions: Math.max(1, Math.min(50, Math.ceil(cycles / 50))) };
}

/** The id of generated cycle `n` (1-based). */
export function benchCycle(n: number): string {
  return `${BENCH_PREFIX}cycle-${n}`;
}

/** The jurisdiction code of generated jurisdiction `n` (0-based); an identifier the API accepts. */
export function benchJurisdiction(n: number): string {
  return `${BENCH_PREFIX}j${String(n).padStart(2, '0')}`;
}

/**
 * Generates the data set-based (generate_series, one statement a table) as the schema owner, then
 * ANALYZEs so the planner sees the sizes. `now` anchors due dates: about a third of open tasks are past due.
 */
export async function generateReadModelData(owner: DataSource, sizes: ReadModelSizes, now: Date): Promise<void> {
  const roles = [...BENCH_ROLES];
  await owner.transaction(async (manager) => {
    await manager.query(
      `INSERT INTO cycles (id, definition_key, definition_version, definition_hash, jurisdiction, title, status, current_step, current_step_seq, launched_by, launched_at)
       SELECT $1 || 'cycle-' || g, $1 || 'procedure-' || (g % 3), 1, repeat('0', 64),
              $1 || 'j' || lpad((g % $3)::text, 2, '0'),
              jsonb_build_object('zh', '基准采购周期 ' || g, 'en', 'Bench cycle ' || g),
              CASE WHEN g % 4 = 0 THEN 'awarded' ELSE 'running' END,
              (ARRAY['budgeting', 'publicNotice', 'vendorSelection', 'contractFiling'])[1 + g % 4], 1,
              'bench', $4::timestamptz - (g % 720) * interval '12 hours'
         FROM generate_series(1, $2::int) g`,
      [BENCH_PREFIX, sizes.cycles, sizes.jurisdictions, now],
    );
    // Open tasks (status 'open') and as many decided ones; tasks of one cycle have distinct node ids.
    await manager.query(
      `INSERT INTO tasks (id, workflow_id, task_instance_id, cycle_id, step_id, node_id, kind, role, escalated_to, escalate_to, title, status,
                          opened_at, due_at, outcome, decided_by, decided_at, last_seq)
       SELECT x.cycle || '/node' || g || '#1', x.cycle, 'node' || g || '#1', x.cycle,
              (ARRAY['budgeting', 'publicNotice', 'vendorSelection', 'contractFiling'])[1 + g % 4], 'node' || g, 'form',
              ($4::text[])[1 + g % $5], CASE WHEN g % 10 = 0 THEN ARRAY[($4::text[])[1 + (g + 1) % $5]] ELSE '{}'::text[] END,
              ($4::text[])[1 + (g + 1) % $5],
              jsonb_build_object('zh', '基准任务 ' || g, 'en', 'Bench task ' || g),
              x.status, x.opened, CASE WHEN g % 20 = 0 THEN NULL ELSE x.opened + interval '10 days' END,
              CASE WHEN x.status = 'decided' THEN 'approve' END, CASE WHEN x.status = 'decided' THEN 'bench' END,
              CASE WHEN x.status = 'decided' THEN x.opened + interval '2 days' END, 1
         FROM generate_series(1, 2 * $2::int) g,
              LATERAL (SELECT $1 || 'cycle-' || (1 + g % $3) AS cycle,
                              CASE WHEN g % 2 = 0 THEN 'open' ELSE 'decided' END AS status,
                              $6::timestamptz - interval '40 days' + ((g * 7919) % 2160) * interval '1 hour' AS opened) x`,
      [BENCH_PREFIX, sizes.openTasks, sizes.cycles, roles, roles.length, now],
    );
    // Steps: the n-th row of a cycle is its n-th step, entered a day after the previous one.
    await manager.query(
      `INSERT INTO cycle_steps (workflow_id, cycle_id, step_id, kind, entered_seq, entered_at, ended_seq, ended_at, outcome)
       SELECT x.cycle, x.cycle, 'step' || x.n, (ARRAY['budgeting', 'publicNotice', 'vendorSelection', 'contractFiling', 'performanceManagement', 'paymentRelease'])[1 + x.n % 6],
              2 * x.n, $4::timestamptz - interval '400 days' + x.n * interval '1 day', 2 * x.n + 1,
              $4::timestamptz - interval '400 days' + x.n * interval '1 day' + interval '20 hours', 'completed'
         FROM generate_series(0, $2::int - 1) g,
              LATERAL (SELECT $1 || 'cycle-' || (1 + g % $3) AS cycle, g / $3 AS n) x`,
      [BENCH_PREFIX, sizes.steps, sizes.cycles, now],
    );
  });
  await generateAuditEntries(owner, sizes, now);
  for (const table of ['cycles', 'tasks', 'cycle_steps', 'audit_entries']) await owner.query(`ANALYZE ${table}`);
}

/** Audit entries generated at most: enough for a whole scan of the trail to lose to its index by far. */
const MAX_AUDIT_ENTRIES = 20_000;
/**
 * Entries per statement. The chain trigger updates the global head once per entry, and a row updated
 * many times in one transaction leaves versions no one may prune yet: per-row work grows with the batch.
 */
const AUDIT_BATCH = 1_000;

/**
 * The audit trail: a launch entry per cycle and a decision entry per decided task (naming its cycle in
 * its details, as the projections write them), a fifth and four fifths of MAX_AUDIT_ENTRIES at most.
 * Appended through the chain trigger like any entry, so they stay (the trail is append-only); their
 * idempotency keys make a repeated run add none.
 */
async function generateAuditEntries(owner: DataSource, sizes: ReadModelSizes, now: Date): Promise<void> {
  const launches = Math.min(sizes.cycles, MAX_AUDIT_ENTRIES / 5);
  const decisions = Math.min(sizes.openTasks, MAX_AUDIT_ENTRIES - launches);
  for (let from = 1; from <= launches; from += AUDIT_BATCH) {
    await owner.query(
      `INSERT INTO audit_entries (idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, details)
       SELECT $1 || 'cycle-' || g || ':launched', $5::timestamptz - interval '60 days', 'bench', 'administrator',
              $1 || 'j' || lpad((g % $4)::text, 2, '0'), 'cycle.launched', 'cycle', $1 || 'cycle-' || g, '{}'::jsonb
         FROM generate_series($2::int, $3::int) g`,
      [BENCH_PREFIX, from, Math.min(launches, from + AUDIT_BATCH - 1), sizes.jurisdictions, now],
    );
  }
  // Decided tasks are the odd-numbered ones of generateReadModelData.
  for (let from = 1; from <= decisions; from += AUDIT_BATCH) {
    await owner.query(
      `INSERT INTO audit_entries (idempotency_key, occurred_at, actor_id, actor_role, jurisdiction, action, subject_type, subject_id, details)
       SELECT $1 || 'cycle-' || c || '/node' || g || '#1:decided', $6::timestamptz - interval '30 days', 'bench', 'justice-bureau',
              $1 || 'j' || lpad((c % $5)::text, 2, '0'), 'task.approved', 'task', $1 || 'cycle-' || c || '/node' || g || '#1',
              jsonb_build_object('cycleId', $1 || 'cycle-' || c, 'outcome', 'approve')
         FROM generate_series($2::int, $3::int) n, LATERAL (SELECT 2 * n - 1 AS g) y, LATERAL (SELECT 1 + y.g % $4 AS c) x`,
      [BENCH_PREFIX, from, Math.min(decisions, from + AUDIT_BATCH - 1), sizes.cycles, sizes.jurisdictions, now],
    );
  }
}

/** Removes every generated row (children first), then ANALYZEs again so the planner forgets them. */
export async function removeReadModelData(owner: DataSource): Promise<void> {
  const pattern = `${BENCH_PREFIX}%`;
  await owner.transaction(async (manager) => {
    await manager.query(`DELETE FROM cycle_steps WHERE cycle_id LIKE $1`, [pattern]);
    await manager.query(`DELETE FROM tasks WHERE cycle_id LIKE $1`, [pattern]);
    await manager.query(`DELETE FROM cycles WHERE id LIKE $1`, [pattern]);
  });
  for (const table of ['cycles', 'tasks', 'cycle_steps']) await owner.query(`ANALYZE ${table}`);
}

/** A statement as the API sends it to PostgreSQL. */
export interface CapturedQuery {
  readonly sql: string;
  readonly params: unknown[];
}

/** Keeps the statements a data source runs, so the endpoints' own SQL can be EXPLAINed. */
class CapturingLogger implements Logger {
  readonly queries: CapturedQuery[] = [];
  logQuery(query: string, parameters?: unknown[]): void {
    this.queries.push({ sql: query, params: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** What a plan reads: the indexes it uses and the tables it scans whole. */
export interface PlanSummary {
  readonly name: string;
  readonly indexes: string[];
  readonly seqScans: string[];
  /** Smaller tables it scans whole (a hash join over all cycles is the right plan for a national list). */
  readonly otherSeqScans: string[];
  /** The plan, as EXPLAIN (FORMAT JSON) gave it. */
  readonly plan: unknown;
}

/** Tables big enough that a whole scan of them is a lost index. */
export const BIG_TABLES = ['tasks', 'cycle_steps', 'audit_entries'];

export function summarisePlan(name: string, plan: unknown): PlanSummary {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const otherSeqScans = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record['Index Name'] === 'string') indexes.add(record['Index Name']);
    if (record['Node Type'] === 'Seq Scan' && typeof record['Relation Name'] === 'string') {
      (BIG_TABLES.includes(record['Relation Name']) ? seqScans : otherSeqScans).add(record['Relation Name']);
    }
    Object.values(record).forEach(visit);
  };
  visit(plan);
  return { name, indexes: [...indexes].sort(), seqScans: [...seqScans].sort(), otherSeqScans: [...otherSeqScans].sort(), plan };
}

interface Repositories {
  readonly tasks: TasksRepository;
  readonly overdue: OverdueRepository;
  readonly cycles: CyclesRepository;
  readonly dataSource: DataSource;
}

/** One query of the endpoints, by the name reports use. */
export interface EndpointQuery {
  readonly name: string;
  /** Runs the query as the endpoint does, through the API's own repository or SQL builder. */
  readonly run: (repositories: Repositories) => Promise<unknown>;
}

/** The overdue list's default page; the API reads one row more, to know whether another page follows. */
const OVERDUE_PAGE = 100;

/**
 * Two statements the API sent before the read-model changes of issue 13's speed round, beside what it
 * sends now, so one run can time both forms on the same data: the cycle page's audit trail (an OR over
 * subject and details, which scans audit_entries whole) and the national overdue list (every past-due
 * open task of the country, up to 10,000, sorted, then paged in memory).
 */
export const FORMER_STATEMENTS = {
  cycleAudit: {
    before: `SELECT a.* FROM audit_entries a WHERE (a.subject_type = 'cycle' AND a.subject_id = $1) OR a.details->>'cycleId' = $1 ORDER BY a.occurred_at, a.id`,
    after: `SELECT a.* FROM audit_entries a WHERE a.chain_cycle_id = $1 ORDER BY a.occurred_at, a.id`,
  },
  nationalOverdue: {
    before: `SELECT t.id, t.workflow_id, t.task_instance_id, t.cycle_id, t.contract_id, t.step_id, t.kind, t.role, t.escalated_to, t.escalate_to,
                    t.title, t.due_at, c.jurisdiction, c.definition_key, c.definition_version, k.vendor_id, k.vendor_name
               FROM tasks t JOIN cycles c ON c.id = t.cycle_id LEFT JOIN contracts k ON k.id = t.contract_id
              WHERE t.status = 'open' AND t.due_at IS NOT NULL AND t.due_at < $1
              ORDER BY t.due_at, t.id LIMIT 10000`,
    after: `SELECT t.id, t.workflow_id, t.task_instance_id, t.cycle_id, t.contract_id, t.step_id, t.kind, t.role, t.escalated_to, t.escalate_to,
                   t.title, t.due_at, c.jurisdiction, c.definition_key, c.definition_version, k.vendor_id, k.vendor_name
              FROM tasks t JOIN cycles c ON c.id = t.cycle_id LEFT JOIN contracts k ON k.id = t.contract_id
             WHERE t.status = 'open' AND t.due_at IS NOT NULL AND t.due_at < $1
             ORDER BY t.due_at, t.id COLLATE "C" LIMIT ${OVERDUE_PAGE + 1}`,
  },
} as const;

/** The queries behind GET /tasks, GET /ops/overdue, GET /ops/processes and GET /cycles/{id}, for the generated data. */
export function endpointQueries(jurisdiction: string, role: string, cycleId: string, now: Date): EndpointQuery[] {
  return [
    { name: 'inbox (GET /tasks)', run: ({ tasks }) => tasks.inbox({ jurisdiction, roles: [role], status: 'open', limit: 100 }) },
    { name: 'overdue, one jurisdiction (GET /ops/overdue)', run: ({ overdue }) => overdue.overduePage({ at: now, jurisdiction }, undefined, OVERDUE_PAGE + 1) },
    { name: 'overdue, national by role (GET /ops/overdue)', run: ({ overdue }) => overdue.overduePage({ at: now, role }, undefined, OVERDUE_PAGE + 1) },
    { name: 'overdue, national (GET /ops/overdue)', run: ({ overdue }) => overdue.overduePage({ at: now }, undefined, OVERDUE_PAGE + 1) },
    {
      name: 'processes, one jurisdiction (GET /ops/processes)',
      run: async ({ dataSource }) => {
        const { sql, params } = processPageSql({ kind: 'cycle', status: 'running' }, { jurisdiction }, now, undefined, 50);
        return dataSource.query(sql, params);
      },
    },
    // The one reader of cycle_steps: a cycle's page lists its steps and tasks.
    { name: 'cycle with its steps and tasks (GET /cycles/{id})', run: ({ cycles }) => cycles.snapshot(cycleId) },
  ];
}

/**
 * Opens a data source like `base`'s that records its statements, runs each endpoint query through the
 * API's own code, and EXPLAINs (FORMAT JSON) exactly the statements it sent.
 */
export async function explainEndpointQueries(url: string, queries: readonly EndpointQuery[]): Promise<PlanSummary[]> {
  const logger = new CapturingLogger();
  const dataSource = new DataSource({ type: 'postgres', url, entities: ENTITIES, logging: ['query'], logger });
  await dataSource.initialize();
  try {
    const repositories: Repositories = { tasks: new TasksRepository(dataSource), overdue: new OverdueRepository(dataSource), cycles: new CyclesRepository(dataSource), dataSource };
    const summaries: PlanSummary[] = [];
    for (const query of queries) {
      logger.queries.length = 0;
      await query.run(repositories);
      const statements = logger.queries.filter((statement) => /^\s*SELECT/i.test(statement.sql));
      const plans: unknown[] = [];
      for (const statement of statements) {
        const rows = (await dataSource.query(`EXPLAIN (FORMAT JSON) ${statement.sql}`, statement.params)) as Array<{ 'QUERY PLAN': unknown }>;
        plans.push(rows[0]?.['QUERY PLAN']);
      }
      summaries.push(summarisePlan(query.name, plans));
    }
    return summaries;
  } finally {
    await dataSource.destroy();
  }
}
