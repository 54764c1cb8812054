import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities/index.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { decideTaskUpdate, submitBidUpdate, workflowSnapshotQuery, type WorkflowSnapshot } from '../../workflows/procurement/messages.js';
import { eventually } from './eventually.js';
import { testDataConverter } from './payload-encryption.js';
import { actorFor, formFor, ProcedureDriver } from './procedure-driver.js';
import { scratchDir } from './test-environment.js';
import { calendarsAround } from './calendars.js';

/** A worker on `taskQueue` of the test server, running the workflows with their real activities on `dataSource`. */
export async function procurementWorker(
  env: TestWorkflowEnvironment,
  options: { readonly taskQueue: string; readonly workflowBundle: { code: string }; readonly dataSource: DataSource },
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities({ dataSource: options.dataSource, exportDir: path.join(await scratchDir('treasury'), 'exports') }),
    dataConverter: testDataConverter(),
  });
}

/** A shipped definition, compiled, as plain (unfrozen) data ready to be a workflow argument. */
export function shippedDefinition<T = ProcedureDefinition>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, 'definitions', file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

/** This year's and next year's calendars, so deadlines on the server's real clock can be computed. */
export const CALENDARS: CalendarDefinition[] = calendarsAround();

/** A message the driver is about to send: to which workflow, and what it is. */
export interface DriverMessage {
  /** 1-based count of the messages this driver has sent, this one included. */
  readonly count: number;
  readonly workflowId: string;
  readonly kind: 'bid' | 'decision';
  /** The decided task's node, for a decision. */
  readonly nodeId?: string;
}

/**
 * Drives procurement workflows on a time-skipping server as their users would: every open task
 * decided by its role (a second person where four-eyes demands it), three qualified bids when bidding
 * opens, and time skipped to the next timer when nobody has anything to do.
 */
export class WorkflowDriver {
  private readonly planner: ProcedureDriver;
  /**
   * Sends each message: by default at once; a test may wrap the sending, e.g. to kill and restart the
   * worker before it or while the message's activities run. Must call `send` once and await it.
   */
  interceptMessage: (message: DriverMessage, send: () => Promise<void>) => Promise<void> = (_message, send) => send();
  /** The vendors who bid when bidding opens (registry vendors, for payments the treasury export pays). */
  bidders: ReadonlyArray<{ readonly vendorId: string; readonly vendorName: string }> = [1, 2, 3].map((i) => ({ vendorId: `vendor-${i}`, vendorName: `社工机构${i}` }));
  private messages = 0;

  constructor(
    readonly env: TestWorkflowEnvironment,
    readonly definition: ProcedureDefinition,
    readonly jurisdiction = definition.metadata.jurisdiction.code,
    /** The business calendars the cycle gets: the shipped ones by default, the test years' on a pinned clock. */
    readonly calendars: CalendarDefinition[] = CALENDARS,
  ) {
    this.planner = new ProcedureDriver({ definition, calendars, jurisdiction });
  }

  get client(): Client {
    return this.env.client;
  }

  async launch(taskQueue: string, inputs: Record<string, unknown> = formFor(this.definition.inputs)): Promise<string> {
    const cycleId = `cycle-${randomUUID()}`;
    await this.client.workflow.start('procurementCycleWorkflow', {
      taskQueue,
      workflowId: cycleId,
      args: [
        {
          cycleId,
          definition: this.definition,
          definitionRef: { key: this.definition.metadata.key, version: 1, contentHash: '0'.repeat(64) },
          calendars: this.calendars,
          jurisdiction: this.jurisdiction,
          inputs,
          launchedBy: { userId: 'admin', name: '管理员', roles: ['administrator'], jurisdiction: this.jurisdiction },
        },
      ],
    });
    return cycleId;
  }

  /** The workflow's snapshot; a child workflow is queryable a moment after its cycle names it. */
  snapshot(workflowId: string): Promise<WorkflowSnapshot> {
    const handle = this.client.workflow.getHandle(workflowId);
    return eventually(
      () => handle.query(workflowSnapshotQuery).catch((error: unknown) => (error instanceof WorkflowNotFoundError ? undefined : Promise.reject(error))),
      (found) => found !== undefined,
    ).then((found) => found as WorkflowSnapshot);
  }

  private async send(message: Omit<DriverMessage, 'count'>, work: () => Promise<unknown>): Promise<void> {
    const count = ++this.messages;
    if (process.env['PROCUREFLOW_TEST_VERBOSE']) process.stderr.write(`[driver] message ${count}: ${message.kind} ${message.nodeId ?? ''} to ${message.workflowId}\n`);
    await this.interceptMessage({ ...message, count }, async () => {
      await work();
    });
  }

  /** Runs one workflow until it stops running. */
  async drive(workflowId: string): Promise<WorkflowSnapshot> {
    const handle = this.client.workflow.getHandle(workflowId);
    let bidsSubmitted = false;
    for (let round = 0; round < 400; round++) {
      const snapshot = await this.snapshot(workflowId);
      if (snapshot.status !== 'running') return snapshot;
      if (snapshot.biddingOpen && !bidsSubmitted) {
        bidsSubmitted = true;
        for (const [index, bidder] of this.bidders.entries()) {
          const requestId = randomUUID();
          await this.send({ workflowId, kind: 'bid' }, () =>
            handle.executeUpdate(submitBidUpdate, {
              updateId: requestId,
              args: [{ requestId, fingerprint: requestId, actor: actorFor('procurement-centre', this.jurisdiction), bidId: `bid-${index + 1}`, ...bidder, priceFen: 3_000_000, qualified: true }],
            }),
          );
        }
        continue;
      }
      if (snapshot.openTasks.length > 0) {
        for (const task of snapshot.openTasks) {
          const { outcome, fields, payload } = this.planner.happyDecision(task, { bids: snapshot.bids, budgetTotal: snapshot.values.budget?.['total'] ?? 0 });
          for (const second of [false, true]) {
            const requestId = randomUUID();
            try {
              await this.send({ workflowId, kind: 'decision', nodeId: task.nodeId }, () =>
                handle.executeUpdate(decideTaskUpdate, {
                  updateId: requestId,
                  args: [{ requestId, fingerprint: requestId, actor: actorFor(task.role, this.jurisdiction, second), taskId: task.id, outcome, fields, ...(payload ? { payload } : {}) }],
                }),
              );
              break;
            } catch (error) {
              if (second || !describe(error).includes('four-eyes')) throw error;
            }
          }
        }
        continue;
      }
      const next = Object.values(snapshot.pendingTimers).sort()[0];
      if (!next) throw new Error(`${workflowId} is stuck at node ${snapshot.nodeId}`);
      await this.env.sleep(Math.max(1000, Date.parse(next) - (await this.env.currentTimeMs()) + 1000));
    }
    throw new Error(`${workflowId} did not end`);
  }

  /** Runs a cycle and every contract it starts to their ends. */
  async driveCycle(cycleId: string): Promise<{ cycle: WorkflowSnapshot; contracts: WorkflowSnapshot[] }> {
    const cycle = await this.drive(cycleId);
    const contracts: WorkflowSnapshot[] = [];
    for (const contract of cycle.contracts) contracts.push(await this.drive(contract.contractId));
    return { cycle, contracts };
  }
}

function describe(error: unknown): string {
  let text = '';
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) text += ` ${(current as Error).message ?? ''}`;
  return text;
}
