import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { compiledEntry, spawnNode } from './processes.js';
import { sharedPostgresUrl } from './test-environment.js';

/**
 * Fault injection without hooks in product code: the worker runs as its own process (as deployed), the
 * test holds locks its activities need from a connection of its own, waits until the worker's backend is
 * provably blocked on them — so the activity is inside its work —, kills the worker with SIGKILL, lets go,
 * and starts a new worker.
 */

/** The worker process (apps/worker's compiled entry), which can be killed and started again. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  /** Pids of every worker started, in order. */
  readonly pids: number[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a worker and resolves once it polls; rejects with its output when it exits before. */
  async start(): Promise<void> {
    const child = spawnNode(compiledEntry('apps/worker/src/main.js'), this.env);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('"msg":"workers polling"')) resolve();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before polling: ${output}`)));
    });
    this.child = child;
    if (child.pid !== undefined) this.pids.push(child.pid);
  }

  /** SIGKILL: no shutdown, no goodbye to Temporal or PostgreSQL. Resolves with the dead worker's pid once it is gone. */
  kill(): Promise<number | undefined> {
    const dying = this.child;
    this.child = undefined;
    return new Promise((resolve) => {
      if (!dying || dying.exitCode !== null || dying.signalCode !== null) return resolve(dying?.pid);
      dying.once('exit', () => resolve(dying.pid));
      dying.kill('SIGKILL');
    });
  }
}

/**
 * The activity attempts a killed worker had started. The server would time each out after its
 * start-to-close timeout (2 min for the export, 30 s for a projection handed to the regular activity)
 * and retry it; the test reports them failed at once instead — the same retry by the same policy,
 * without waiting out the timeout. Only attempts started by the dead process (by its worker identity,
 * `<pid>@<host>`) are touched. A projection run as a local activity is no pending activity: it dies with
 * the workflow task that ran it, which the server hands to another worker when that task times out.
 */
export async function failAttemptsOfDeadWorker(client: Client, rootWorkflowIds: readonly string[], deadPid: number): Promise<string[]> {
  const failed: string[] = [];
  const seen = new Set<string>();
  const queue = [...rootWorkflowIds];
  while (queue.length > 0) {
    const workflowId = queue.shift() as string;
    if (seen.has(workflowId)) continue;
    seen.add(workflowId);
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    for (const child of raw.pendingChildren ?? []) if (child.workflowId) queue.push(child.workflowId);
    const runId = raw.workflowExecutionInfo?.execution?.runId ?? undefined;
    for (const activity of raw.pendingActivities ?? []) {
      if (activity.state !== temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) continue;
      if (!activity.lastWorkerIdentity?.startsWith(`${deadPid}@`) || !activity.activityId) continue;
      await client.activity.fail({ workflowId, ...(runId ? { runId } : {}), activityId: activity.activityId }, new Error(`worker ${deadPid} was killed (SIGKILL) during this attempt`));
      failed.push(`${activity.activityType?.name ?? '?'}@${workflowId}`);
    }
  }
  return failed;
}

/** A backend of the worker blocked by the holder's locks. */
export interface BlockedBackend {
  readonly pid: number;
  readonly query: string;
  readonly waitEvent: string;
}

/**
 * A superuser connection to the test's database (it may lock any row and read every backend's query and
 * wait event), from which the test holds what the worker's activities need.
 */
export class LockHolder {
  private constructor(
    private readonly client: pg.Client,
    readonly pid: number,
  ) {}

  static async connect(databaseUrl: string): Promise<LockHolder> {
    const url = new URL(sharedPostgresUrl());
    url.pathname = new URL(databaseUrl).pathname;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return new LockHolder(client, result.rows[0]!.pid);
  }

  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
    return this.client.query<T>(text, values);
  }

  /** Opens a transaction and locks the rows `select … FOR UPDATE` returns; resolves with how many it locked. */
  async lockRows(select: string, values: unknown[] = []): Promise<number> {
    await this.client.query('BEGIN');
    return (await this.client.query(select, values)).rowCount ?? 0;
  }

  /** Takes the treasury export's advisory lock (the one activities/treasury.ts serialises exports with). */
  async lockTreasuryExport(): Promise<void> {
    await this.client.query(`SELECT pg_advisory_lock(hashtext('procureflow.treasury-export'))`);
  }

  async unlockTreasuryExport(): Promise<void> {
    await this.client.query(`SELECT pg_advisory_unlock(hashtext('procureflow.treasury-export'))`);
  }

  /** Lets go of everything: the transaction's row locks and any advisory lock. */
  async releaseAll(): Promise<void> {
    await this.client.query('ROLLBACK');
    await this.client.query('SELECT pg_advisory_unlock_all()');
  }

  /**
   * Waits until a backend waits for a lock (`wait_event_type = 'Lock'`) that this connection holds
   * and runs a query `matches` accepts; resolves undefined when `givenUp` turns true first (the message
   * finished without needing the lock).
   */
  async untilBlocked(matches: (query: string) => boolean, givenUp: () => boolean): Promise<BlockedBackend | undefined> {
    while (!givenUp()) {
      // Inside a transaction PostgreSQL answers pg_stat_activity from a snapshot taken at its first read:
      // drop it, or a backend that blocked since would never be seen.
      await this.client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await this.client.query<{ pid: number; query: string; wait_event: string }>(
        `SELECT pid, query, wait_event FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND $1 = ANY(pg_blocking_pids(pid))`,
        [this.pid],
      );
      const blocked = rows.find((row) => matches(row.query));
      if (blocked) return { pid: blocked.pid, query: blocked.query, waitEvent: blocked.wait_event };
      // Polls the server's own view of who waits for whom; the pause only spaces the polls.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** The `.partial` files in the treasury export directory (a crashed export's leftovers). */
export async function partialExports(exportDir: string): Promise<string[]> {
  const entries = await readdir(exportDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  return entries.filter((entry) => entry.endsWith('.partial')).sort();
}

/** A small seeded generator (mulberry32), so a run's random kill points can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
