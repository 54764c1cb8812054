import { DataSource } from 'typeorm';
import {
  BENCH_ROLES,
  benchCycle,
  benchJurisdiction,
  endpointQueries,
  explainEndpointQueries,
  generateReadModelData,
  type PlanSummary,
  readModelSizes,
} from '../../bench/src/scenarios/read-model-data.js';
import { compareOverdue, OverdueRepository } from '../../apps/api/src/ops/overdue/overdue.repository.js';
import { freshDatabase } from '../support/databases.js';

/**
 * The inbox, overdue, process-list and cycle-page queries keep using indexes on a read model of realistic size: the
 * plans are of the statements the API's own repositories and SQL builder send, so a change to them (or to
 * the migrations) that loses an index fails here. Speed itself is measured only by the bench.
 */
describe('read-model query plans at scale', () => {
  const now = new Date('2026-03-02T02:00:00Z');
  let database: { url: string; migrationUrl: string; dataSource: DataSource };
  let plans: PlanSummary[];

  beforeAll(async () => {
    database = await freshDatabase('read-model-plans');
    const owner = new DataSource({ type: 'postgres', url: database.migrationUrl });
    await owner.initialize();
    try {
      // 100,000 open tasks: at 20,000 the planner still chose an index without tasks_open_cycle_idx, at
      // this size it scanned tasks whole for the inbox, so this is the size at which losing it shows.
      await generateReadModelData(owner, readModelSizes(100_000, 100_000), now);
    } finally {
      await owner.destroy();
    }
    plans = await explainEndpointQueries(database.url, endpointQueries(benchJurisdiction(7), BENCH_ROLES[0], benchCycle(7), now));
  }, 300_000);

  afterAll(async () => {
    await database?.dataSource.destroy();
  });

  it.each([
    'inbox (GET /tasks)',
    'overdue, one jurisdiction (GET /ops/overdue)',
    'overdue, national by role (GET /ops/overdue)',
    'overdue, national (GET /ops/overdue)',
    'processes, one jurisdiction (GET /ops/processes)',
    'cycle with its steps and tasks (GET /cycles/{id})',
  ])('%s reads tasks, cycle_steps and audit_entries through indexes', (name) => {
    const summary = plans.find((plan) => plan.name === name);
    expect(summary).toBeDefined();
    expect({ name, seqScans: summary?.seqScans }).toEqual({ name, seqScans: [] });
    expect(summary?.indexes.length).toBeGreaterThan(0);
  });

  // The national list has no jurisdiction to start from: without an index in its order it read and
  // sorted every past-due open task of the country to return one page.
  it.each(['overdue, national by role (GET /ops/overdue)', 'overdue, national (GET /ops/overdue)'])('%s walks open tasks in due order and stops at the page', (name) => {
    const summary = plans.find((plan) => plan.name === name);
    expect(summary?.indexes).toEqual(expect.arrayContaining(['tasks_open_due_idx', 'case_tasks_open_due_idx']));
    expect(sortsOf(summary?.plan)).toEqual([]);
  });

  it('pages the national overdue list in SQL: page after page, the same items in the same order as the whole list', async () => {
    const repository = new OverdueRepository(database.dataSource);
    const whole = (await repository.overdue({ at: now })).sort(compareOverdue).slice(0, 250);
    const paged: string[] = [];
    let after: { dueAt: Date; id: string } | undefined;
    for (let page = 0; page < 5; page++) {
      const rows = await repository.overduePage({ at: now }, after, 50);
      paged.push(...rows.map((row) => row.id));
      const last = rows.at(-1);
      if (last === undefined) break;
      after = { dueAt: last.dueAt, id: last.id };
    }
    expect(whole).toHaveLength(250);
    expect(paged).toEqual(whole.map((row) => row.id));
  });

  it("reads a cycle's audit trail through its chain index", () => {
    const summary = plans.find((plan) => plan.name === 'cycle with its steps and tasks (GET /cycles/{id})');
    expect(summary?.indexes).toContain('audit_entries_chain_cycle_idx');
  });
});

/** The relations a plan sorts whole (a Sort node over a scan of them): a page that must read everything first. */
function sortsOf(plan: unknown): string[] {
  const sorted: string[] = [];
  const relations = (node: unknown): string[] => {
    if (Array.isArray(node)) return node.flatMap(relations);
    if (node === null || typeof node !== 'object') return [];
    const record = node as Record<string, unknown>;
    return [...(typeof record['Relation Name'] === 'string' ? [record['Relation Name']] : []), ...Object.values(record).flatMap(relations)];
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['Node Type'] === 'Sort') sorted.push(...relations(record['Plans']).filter((relation) => relation === 'tasks' || relation === 'case_tasks'));
    Object.values(record).forEach(visit);
  };
  visit(plan);
  return sorted;
}
