import { Injectable } from '@nestjs/common';
import { Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { processMetrics } from '../../../../src/observability/metrics.js';

/** Ages of open tasks and lateness of ledgers, in seconds: an hour to a quarter. */
const AGE_BUCKETS = [3_600, 4 * 3_600, 86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 90 * 86_400];

/** How far back decided ledgers count towards the lateness distribution. */
const LEDGER_LATENESS_WINDOW_DAYS = 365;

/**
 * The read model's state as Prometheus metrics, computed from PostgreSQL when scraped: cycles, contracts
 * and cases by status and step, overdue tasks by holder and jurisdiction, the age of open tasks and the
 * lateness of ledgers. These are gauges of the present, not counters: two API processes on one database
 * report the same values, so a dashboard takes one of them (e.g. `max without (instance)`).
 */
@Injectable()
export class ReadModelMetricsService {
  private readonly registry = new Registry();

  constructor(private readonly dataSource: DataSource) {
    const db = this.dataSource;
    new Gauge({
      name: 'procureflow_cycles',
      help: 'Procurement cycles by jurisdiction, definition, status and current step ("" between steps).',
      labelNames: ['jurisdiction', 'definition', 'status', 'step'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ jurisdiction: string; definition: string; status: string; step: string; n: string }>>(
          `SELECT jurisdiction, definition_key AS definition, status, coalesce(current_step, '') AS step, count(*) AS n
             FROM cycles GROUP BY 1, 2, 3, 4`,
        );
        for (const row of rows) this.set({ jurisdiction: row.jurisdiction, definition: row.definition, status: row.status, step: row.step }, Number(row.n));
      },
    });
    new Gauge({
      name: 'procureflow_contracts',
      help: 'Contracts by jurisdiction, status and current step.',
      labelNames: ['jurisdiction', 'status', 'step'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ jurisdiction: string; status: string; step: string; n: string }>>(
          `SELECT cy.jurisdiction, co.status, coalesce(co.current_step, '') AS step, count(*) AS n
             FROM contracts co JOIN cycles cy ON cy.id = co.cycle_id GROUP BY 1, 2, 3`,
        );
        for (const row of rows) this.set({ jurisdiction: row.jurisdiction, status: row.status, step: row.step }, Number(row.n));
      },
    });
    new Gauge({
      name: 'procureflow_cases',
      help: 'Supervision cases by jurisdiction, lifecycle and state.',
      labelNames: ['jurisdiction', 'lifecycle', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ jurisdiction: string; lifecycle: string; state: string; n: string }>>(
          `SELECT jurisdiction, lifecycle_key AS lifecycle, state, count(*) AS n FROM cases GROUP BY 1, 2, 3`,
        );
        for (const row of rows) this.set({ jurisdiction: row.jurisdiction, lifecycle: row.lifecycle, state: row.state }, Number(row.n));
      },
    });
    new Gauge({
      name: 'procureflow_overdue_tasks',
      help: 'Open tasks past their due time, by jurisdiction and the role holding them now (the latest escalation target once escalated).',
      labelNames: ['jurisdiction', 'role'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ jurisdiction: string; role: string; n: string }>>(
          `SELECT cy.jurisdiction, coalesce(t.escalated_to[array_length(t.escalated_to, 1)], t.role) AS role, count(*) AS n
             FROM tasks t JOIN cycles cy ON cy.id = t.cycle_id
            WHERE t.status = 'open' AND t.due_at < now()
            GROUP BY 1, 2`,
        );
        for (const row of rows) this.set({ jurisdiction: row.jurisdiction, role: row.role }, Number(row.n));
      },
    });
    new Histogram({
      name: 'procureflow_open_task_age_seconds',
      help: 'How long the open tasks have been open, by task kind (the distribution at the moment of the scrape).',
      labelNames: ['kind'] as const,
      buckets: AGE_BUCKETS,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ kind: string; age: string }>>(
          `SELECT kind, extract(epoch FROM now() - opened_at) AS age FROM tasks WHERE status = 'open'`,
        );
        for (const row of rows) this.observe({ kind: row.kind }, Math.max(0, Number(row.age)));
      },
    });
    new Histogram({
      name: 'procureflow_ledger_lateness_seconds',
      help:
        'How late vendors\u2019 ledgers are, by jurisdiction: open ledger submissions past due (late until now) and those submitted in the last ' +
        `${LEDGER_LATENESS_WINDOW_DAYS} days (0 when on time).`,
      labelNames: ['jurisdiction'] as const,
      buckets: [0, ...AGE_BUCKETS],
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.query<Array<{ jurisdiction: string; late: string }>>(
          `SELECT cy.jurisdiction,
                  greatest(0, extract(epoch FROM coalesce(t.decided_at, now()) - t.due_at)) AS late
             FROM tasks t JOIN cycles cy ON cy.id = t.cycle_id
            WHERE t.kind = 'ledgerSubmission' AND t.due_at IS NOT NULL
              AND ((t.status = 'open' AND t.due_at < now())
                   OR (t.status = 'decided' AND t.decided_at > now() - make_interval(days => $1)))`,
          [LEDGER_LATENESS_WINDOW_DAYS],
        );
        for (const row of rows) this.observe({ jurisdiction: row.jurisdiction }, Number(row.late));
      },
    });
  }

  /** The Prometheus text exposition of the process's metrics and the read model's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics, this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
