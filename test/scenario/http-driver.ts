import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { loadConfig } from '../../src/config/config.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';

/**
 * The instant every scenario starts at, so that its deadlines, holidays and years are the same on every
 * run whatever the day. The time-skipping test server starts at the machine's clock and offers no start
 * time (its command line takes a port and `--enable-time-skipping` only), and time only moves forward,
 * so the pinned instant lies in the future: a Monday, 09:00 in China, of 2054 — a year on the same
 * weekdays as 2026, whose arrangement the test calendars below repeat.
 */
export const PINNED_START = '2054-03-02T01:00:00.000Z';

const TEST_CALENDAR_DIR = path.join(PROJECT_ROOT, 'test/scenario/fixtures/calendars');

/** The test calendars (test data, not official arrangements) for every year the scenarios' cycles touch. */
export const TEST_CALENDAR_FILES: ReadonlyArray<{ file: string; text: string }> = readdirSync(TEST_CALENDAR_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, text: readFileSync(path.join(TEST_CALENDAR_DIR, file), 'utf8') }));

/** The same calendars as definitions, for planning decisions the way the engine will. */
export const TEST_CALENDARS: CalendarDefinition[] = TEST_CALENDAR_FILES.map(({ file, text }) => {
  const result = compileDefinition(text, file);
  if (!result.ok) throw new Error(`the test calendar ${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as CalendarDefinition;
});

/** The audit action of an incident: something ops staff must fix, such as a deadline in a year no calendar covers. */
export const INCIDENT_ACTION = 'cycle.incident';

/**
 * The whole stack for a scenario: a time-skipping Temporal server, a fresh PostgreSQL database, the
 * worker in-process and the API listening on a free port — wired as test/integration/cycles-bidding.
 */
export class ScenarioStack {
  env!: TestWorkflowEnvironment;
  dataSource!: DataSource;
  baseUrl = '';
  private workers?: RunningWorkers;
  private app?: INestApplication;
  private readonly tokens = new Map<string, string>();

  static async start(label: string): Promise<ScenarioStack> {
    const stack = new ScenarioStack();
    stack.env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
    await stack.pinClock();
    ({ dataSource: stack.dataSource } = await freshDatabase(label));
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `${label}-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `${label}-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir(label),
    });
    stack.workers = await startWorkers({
      config,
      temporalAddress: stack.env.address,
      dataSource: stack.dataSource,
      workflowBundle: await loadWorkflowBundle(),
      logger: createLogger('silent', 'worker'),
      payloadCodec: testPayloadCodec,
    });
    stack.app = await createApiApp({
      config,
      dataSource: stack.dataSource,
      temporalClient: new Client({ connection: stack.env.connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() }),
      payloadCodec: testPayloadCodec,
      temporalAddress: stack.env.address,
      logger: createLogger('silent', 'api'),
      jwtSecret: TEST_JWT_SECRET,
    });
    const port = await freePort();
    await stack.app.listen(port, '127.0.0.1');
    stack.baseUrl = `http://127.0.0.1:${port}`;
    return stack;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.workers?.shutdown();
    await this.dataSource?.destroy();
    await this.env?.teardown();
  }

  /** Moves the server's clock to PINNED_START, before any workflow exists. */
  private async pinClock(): Promise<void> {
    const now = await this.env.currentTimeMs();
    const target = Date.parse(PINNED_START);
    if (now > target) {
      throw new Error(`the scenarios' pinned start ${PINNED_START} has passed: move it (and test/scenario/fixtures/calendars) to a later year on the same weekdays`);
    }
    await this.env.sleep(target - now);
  }

  /** Deploys the test calendars as a national administrator (calendars apply to every jurisdiction). */
  async deployCalendars(): Promise<void> {
    const answer = await this.call('POST', '/definitions', await this.token('national.administrator', 'administrator', 'cn'), { files: TEST_CALENDAR_FILES });
    if (answer.status !== 201) throw new Error(`deploying the test calendars answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  /** A token for user `userId` holding `role` in `jurisdiction` (for vendor staff, of `vendorId`), signed once and kept. */
  async token(userId: string, role: string, jurisdiction: string, vendorId?: string): Promise<string> {
    const key = `${userId}|${role}|${jurisdiction}|${vendorId ?? ''}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = await tokenFor({ userId, name: userId, roles: [role], jurisdiction, ...(vendorId === undefined ? {} : { vendorId }) });
      this.tokens.set(key, token);
    }
    return token;
  }

  /** One HTTP call; `token` undefined sends no Authorization header. */
  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }
}

/** The incidents a cycle's audit trail records, its own and its contracts'; a scenario expects none. */
export function incidentsOf(cycle: Pick<CycleDetail, 'audit'>): string[] {
  return cycle.audit.filter((entry) => entry.action === INCIDENT_ACTION).map((entry) => `${entry.occurredAt} ${entry.subjectType} ${entry.subjectId}: ${entry.comment ?? ''}`);
}

// ---- the shapes the scenarios read ------------------------------------------------------------

export interface TaskView {
  id: string;
  workflowId: string;
  taskInstanceId: string;
  contractId: string | null;
  stepId: string;
  nodeId: string;
  kind: string;
  role: string;
  escalatedTo: string[];
  escalateTo: string | null;
  title: { zh: string; en: string };
  status: string;
  openedAt: string;
  dueAt: string | null;
  decision?: { outcome: string; decidedBy: string; fields: Record<string, string | number | boolean> | null } | null;
}

export interface PendingTimer {
  timerId: string;
  purpose: string;
  until: string;
}

export interface CycleDetail {
  id: string;
  status: string;
  jurisdiction: string;
  inputs: Record<string, string | number | boolean>;
  tasks: { open: TaskView[]; closed: TaskView[] };
  contracts: Array<{ id: string; vendorId: string; vendorName: string; amountFen: number; status: string }>;
  bids: Array<{ bidId: string; round: number | null; vendorId: string; vendorName: string; priceFen: number; qualified: boolean; submittedAt: string; won: boolean; awardedAmountFen: number | null }>;
  payments: Array<{ contractId: string; trancheId: string; amountFen: number }>;
  notices: Array<{ kind: string }>;
  audit: Array<{ occurredAt: string; actorId: string; actorRole: string; action: string; subjectType: string; subjectId: string; comment: string | null; details: Record<string, unknown> }>;
  live: {
    status: string;
    stepId: string | null;
    nodeId: string | null;
    biddingOpen: boolean;
    pendingTimers: PendingTimer[];
    waitingFor: Array<{ kind: string; description: string }>;
    contracts: Array<{ contractId: string; status: string; stepId: string | null; pendingTimers: PendingTimer[]; waitingFor: Array<{ kind: string }> }>;
  } | null;
}

export interface PaymentView {
  cycleId: string;
  contractId: string;
  trancheId: string;
  fund: string | null;
  amountFen: number;
  status: string;
  exportFile: string | null;
}
