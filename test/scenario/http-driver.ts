import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { loadWorkflowBundle } from '../../apps/worker/src/workflow-bundle.js';
import { type RunningWorkers, startWorkers } from '../../apps/worker/src/worker.providers.js';
import { loadConfig } from '../../src/config/config.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { pinClock, TEST_CALENDAR_FILES } from '../support/pinned-time.js';
import { scratchDir, testLog, toolsDir } from '../support/test-environment.js';

export { PINNED_START, TEST_CALENDAR_FILES, TEST_CALENDARS } from '../support/pinned-time.js';

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
    await pinClock(stack.env);
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
