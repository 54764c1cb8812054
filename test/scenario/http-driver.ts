import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { createLogger } from '../../src/logging/logger.js';
import type { FormValues, TaskInstance } from '../../workflows/engine/types.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/api-server.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { pinClock, TEST_CALENDAR_FILES, TEST_CALENDARS } from '../support/pinned-time.js';
import { formFor, ProcedureDriver } from '../support/procedure-driver.js';
import { freshCreditCode } from '../support/procurement-fixtures.js';
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

  /**
   * The stack of one test file: started before its tests (before the file's own `beforeAll` hooks, which
   * are declared after this call) and stopped after them. Its database and task queues are named by `label`.
   */
  static forThisFile(label: string): ScenarioStack {
    const stack = new ScenarioStack();
    beforeAll(() => stack.boot(label));
    afterAll(() => stack.stop());
    return stack;
  }

  private async boot(label: string): Promise<void> {
    this.env = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
    await pinClock(this.env);
    ({ dataSource: this.dataSource } = await freshDatabase(label));
    const config = loadConfig({
      TEMPORAL_TASK_QUEUE_PROCUREMENT: `${label}-procurement-${randomUUID()}`,
      TEMPORAL_TASK_QUEUE_CASES: `${label}-cases-${randomUUID()}`,
      PROCUREFLOW_DATA_DIR: await scratchDir(label),
    });
    this.workers = await startWorkers({
      config,
      temporalAddress: this.env.address,
      dataSource: this.dataSource,
      workflowBundle: await loadWorkflowBundle(),
      logger: createLogger('silent', 'worker'),
      payloadCodec: testPayloadCodec,
    });
    this.app = await createApiApp({
      config,
      dataSource: this.dataSource,
      temporalClient: new Client({ connection: this.env.connection, namespace: config.temporal.namespace, dataConverter: testDataConverter() }),
      payloadCodec: testPayloadCodec,
      temporalAddress: this.env.address,
      logger: createLogger('silent', 'api'),
      jwtSecret: TEST_JWT_SECRET,
    });
    const port = await freePort();
    await this.app.listen(port, '127.0.0.1');
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.workers?.shutdown();
    await this.dataSource?.destroy();
    await this.env?.teardown();
  }

  /**
   * Deploys the test calendars as a national administrator (calendars apply to every jurisdiction);
   * a second procedure on the same stack finds them deployed already (200, nothing created).
   */
  async deployCalendars(): Promise<void> {
    const answer = await this.call('POST', '/definitions', await this.token('national.administrator', 'administrator', 'cn'), { files: TEST_CALENDAR_FILES });
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`deploying the test calendars answered ${answer.status}: ${JSON.stringify(answer.body)}`);
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

  /** Moves the server's clock forward to `instant`; it never goes back. */
  async skipTo(instant: string): Promise<void> {
    const now = await this.env.currentTimeMs();
    if (now > Date.parse(instant)) throw new Error(`the clock (${new Date(now).toISOString()}) is already past ${instant}`);
    await this.env.sleep(Date.parse(instant) - now);
  }
}

/** Cycle statuses after which nothing more happens: a scenario driving such a cycle is stuck. */
const ENDED = new Set(['completed', 'terminated', 'cancelled', 'failed']);

/**
 * One procedure deployed on a scenario stack, and what its scenarios do through the API as the
 * officers of its jurisdiction: launch cycles, read them, decide tasks, bid, and drive a cycle happily
 * to the task a scenario is about.
 */
export class ProcedureScenario {
  private constructor(
    readonly stack: ScenarioStack,
    readonly jurisdiction: string,
    readonly key: string,
    readonly definition: ProcedureDefinition,
  ) {}

  /** Deploys `text` (by default the shipped template `key`) and the test calendars, and reads version 1 back. */
  static async deploy(stack: ScenarioStack, jurisdiction: string, key: string, text?: string): Promise<ProcedureScenario> {
    const admin = await stack.token('first.administrator', 'administrator', jurisdiction);
    const file = `${key}.yaml`;
    const deployed = await stack.call('POST', '/definitions', admin, { files: [{ file, text: text ?? readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8') }] });
    if (deployed.status !== 201) throw new Error(`deploying ${file} answered ${deployed.status}: ${JSON.stringify(deployed.body)}`);
    await stack.deployCalendars();
    const { definition } = (await stack.call<{ definition: ProcedureDefinition }>('GET', `/definitions/${key}/versions/1`, admin)).body;
    return new ProcedureScenario(stack, jurisdiction, key, definition);
  }

  /** A token of the first (or a second) officer holding `role` in the jurisdiction. */
  as(role: string, second = false): Promise<string> {
    return this.stack.token(`${second ? 'second' : 'first'}.${role}`, role, this.jurisdiction);
  }

  /** A token of a member of `vendorId`'s staff. */
  staffOf(vendorId: string): Promise<string> {
    return this.stack.token(`staff.${vendorId}`, 'vendor', this.jurisdiction, vendorId);
  }

  private get selection() {
    const step = this.definition.steps.find((candidate) => candidate.kind === 'vendorSelection');
    if (step?.kind !== 'vendorSelection') throw new Error(`${this.key} has no vendor selection step`);
    return step.selection;
  }

  /** The ids of the qualification criteria a vendor's evidence must cover. */
  get qualificationCriteria(): string[] {
    return this.selection.qualification.criteria.map((criterion) => criterion.id);
  }

  /** Registers a social-service agency with `evidence` (by default a document for every criterion); its id. */
  async registerVendor(name: string, evidence?: Array<Record<string, unknown>>): Promise<string> {
    const registered = await this.stack.call('POST', '/vendors', await this.as('administrator'), {
      name,
      creditCode: freshCreditCode(),
      registrationType: 'socialServiceAgency',
      evidence: evidence ?? this.qualificationCriteria.map((criterionId) => ({ criterionId, document: `${criterionId}证明材料` })),
    });
    if (registered.status !== 201) throw new Error(`registering ${name} answered ${registered.status}: ${JSON.stringify(registered.body)}`);
    return registered.body['id'] as string;
  }

  /** Has `role` verify a vendor's evidence, naming the role it verifies in. */
  async verify(vendorId: string, role: string) {
    return this.stack.call('POST', `/vendors/${vendorId}/verification`, await this.as(role), { decision: 'verified', role });
  }

  /** Registers one vendor per name with evidence for every criterion, verified by `verifier`; their ids. */
  async verifiedVendors(names: readonly string[], verifier: string): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      const id = await this.registerVendor(name);
      const verified = await this.verify(id, verifier);
      if (verified.status !== 200) throw new Error(`verifying ${name} answered ${verified.status}: ${JSON.stringify(verified.body)}`);
      ids.push(id);
    }
    return ids;
  }

  /** Launches a cycle with `inputs` (by default plausible ones); `planner` makes the happy decisions driveTo hands in. */
  async launch(inputs: FormValues = formFor(this.definition.inputs)): Promise<{ cycleId: string; planner: ProcedureDriver }> {
    const planner = new ProcedureDriver({ definition: this.definition, calendars: TEST_CALENDARS, jurisdiction: this.jurisdiction });
    const launched = await this.stack.call('POST', '/cycles', await this.as('administrator'), { definitionKey: this.key, inputs });
    if (launched.status !== 201) throw new Error(`launching a cycle answered ${launched.status}: ${JSON.stringify(launched.body)}`);
    return { cycleId: launched.body['cycleId'] as string, planner };
  }

  /** The cycle as `token` (by default an administrator) sees it. */
  async detail<T extends CycleDetail = CycleDetail>(cycleId: string, token?: string): Promise<T> {
    return (await this.stack.call<T>('GET', `/cycles/${encodeURIComponent(cycleId)}`, token ?? (await this.as('administrator')))).body;
  }

  /** The cycle's open tasks of `role`, as an officer of it sees them. */
  async openTasks(cycleId: string, role: string): Promise<TaskView[]> {
    return (await this.stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await this.as(role))).body.tasks.filter((t) => t.status === 'open' && t.role === role);
  }

  /** Waits for the read model to show `role` an open task of `nodeId`, and returns it. */
  async openTask(cycleId: string, role: string, nodeId: string): Promise<TaskView> {
    const tasks = await eventually(
      () => this.openTasks(cycleId, role),
      (open) => open.some((t) => t.nodeId === nodeId),
    );
    return tasks.find((t) => t.nodeId === nodeId)!;
  }

  /** Waits until the cycle shows anything other than `seen`: a workflow step, a projection, a timer. */
  async changeFrom(cycleId: string, seen: CycleDetail): Promise<void> {
    const before = JSON.stringify(seen);
    await eventually(
      () => this.detail(cycleId),
      (now) => JSON.stringify(now) !== before,
    );
  }

  /** Decides a task as an officer of `role` (by default the task's), a second one when four-eyes asks for one. */
  async decide(task: TaskView, body: Record<string, unknown>, role = task.role) {
    const send = async (second: boolean) => this.stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await this.as(role, second), { requestId: randomUUID(), fields: {}, ...body });
    const first = await send(false);
    return first.status === 403 && /four-eyes/i.test(String(first.body['message'])) ? send(true) : first;
  }

  /** A bid handed in by the procurement centre for `vendorId`. */
  async bid(cycleId: string, vendorId: string, priceFen: number) {
    return this.stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await this.as('procurement-centre'), { requestId: randomUUID(), vendorId, priceFen });
  }

  /** The form fields the planner would fill in on `task`. */
  happyFields(planner: ProcedureDriver, task: TaskView) {
    return planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 }).fields;
  }

  /** Award scores for `bids`: `scoreOf(bid)` on every evaluation criterion (90 unless given). */
  awardScores(bids: CycleDetail['bids'], scoreOf: (bid: CycleDetail['bids'][number]) => number = () => 90): Record<string, Record<string, number>> {
    return Object.fromEntries(bids.map((bid) => [bid.bidId, Object.fromEntries(this.selection.evaluation.criteria.map((criterion) => [criterion.id, scoreOf(bid)]))]));
  }

  /**
   * Decides every open task of the officers happily until the cycle shows `nodeId`'s task open (returned)
   * or, when `nodeId` is undefined, bidding open. When nobody has anything to do, it waits for the cycle
   * to change while a decision is awaited, else skips time to the next timer of the cycle or its contracts.
   */
  async driveTo(cycleId: string, planner: ProcedureDriver, nodeId?: string): Promise<TaskView | undefined> {
    const roles = this.definition.roles.map((role) => role.id).filter((role) => role !== 'vendor');
    for (let round = 0; round < 200; round++) {
      const cycle = await this.detail(cycleId);
      if (ENDED.has(cycle.status)) throw new Error(`cycle ${cycleId} ended ${cycle.status} before reaching ${nodeId ?? 'bidding'}`);
      if (nodeId === undefined && cycle.live?.biddingOpen) return undefined;
      const open = (await Promise.all(roles.map((role) => this.openTasks(cycleId, role)))).flat();
      const wanted = open.find((task) => task.nodeId === nodeId);
      if (wanted) return wanted;
      if (open[0]) {
        const { outcome, fields } = planner.happyDecision(open[0] as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
        const answer = await this.decide(open[0], { outcome, fields });
        if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${open[0].id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const timers = [...(cycle.live?.pendingTimers ?? []), ...(cycle.live?.contracts.flatMap((contract) => contract.pendingTimers) ?? [])];
      const next = timers.map((timer) => timer.until).sort()[0];
      if (cycle.live?.waitingFor.some((w) => w.kind === 'decision') || !next) await this.changeFrom(cycleId, cycle);
      else await this.stack.env.sleep(Math.max(1000, Date.parse(next) - (await this.stack.env.currentTimeMs()) + 1000));
    }
    throw new Error(`cycle ${cycleId} never reached ${nodeId ?? 'bidding'}`);
  }
}

/** How a scenario drives one cycle: who bids and wins at what price, and what differs from the planner's decisions. */
export interface DrivePlan<D extends CycleDetail, K extends TaskView> {
  /** The vendors that bid once a bidding round, each at `priceFen`. */
  readonly bidders: readonly string[];
  /** The vendor awarded the contract, at `priceFen`; its staff decide the vendor's tasks. */
  readonly winner: string;
  readonly priceFen: number;
  /** A bid's award score on every evaluation criterion (90 unless given). */
  readonly scoreOf?: (bid: CycleDetail['bids'][number]) => number;
  /** Form fields by task node id over the planner's. */
  readonly forms?: Record<string, Record<string, unknown>>;
  /** Ledger lines of a period over the planner's. */
  readonly ledger?: (period: number) => Record<string, number>;
  /** Every evaluation indicator's score, when not the planner's. */
  readonly evaluationScore?: number;
  /** The tasks the test hands in itself: the drive leaves them open. */
  readonly leave?: (task: K) => boolean;
  /** Called with every reading of the cycle: a test checks what must always hold. */
  readonly check?: (cycle: D) => void;
  /** Called with the cycle before each task is decided: a test looks at what holds at that moment. */
  readonly before?: (task: K, cycle: D) => void;
}

/**
 * One launched cycle driven through the API by its officers and the winner's staff: the decisions are
 * the planner's but for the award (and what the plan overrides), and each bidding round is bid once.
 */
export class CycleDrive<D extends CycleDetail = CycleDetail, K extends TaskView = TaskView> {
  /** The bidding rounds already bid in, by their timer: a drive bids once a round, across calls of `until`. */
  private readonly rounds = new Set<string>();

  constructor(
    readonly scenario: ProcedureScenario,
    readonly cycleId: string,
    readonly planner: ProcedureDriver,
    readonly plan: DrivePlan<D, K>,
  ) {}

  /** The cycle as an administrator sees it, checked as the plan asks. */
  async detail(): Promise<D> {
    const cycle = await this.scenario.detail<D>(this.cycleId);
    this.plan.check?.(cycle);
    return cycle;
  }

  private token(role: string, second = false): Promise<string> {
    return role === 'vendor' ? this.scenario.staffOf(this.plan.winner) : this.scenario.as(role, second);
  }

  /** The open tasks of `role` (the vendor's as the winner's staff see them). */
  async inbox(role: string): Promise<K[]> {
    const answer = await this.scenario.stack.call<{ tasks: K[] }>('GET', `/tasks?cycleId=${encodeURIComponent(this.cycleId)}`, await this.token(role));
    return answer.body.tasks.filter((t) => t.status === 'open' && t.role === role);
  }

  /** Decides a task as an officer of its role (a second one when four-eyes asks for one), or as the winner's staff. */
  async decide(task: TaskView, body: Record<string, unknown>) {
    const send = async (second: boolean) =>
      this.scenario.stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await this.token(task.role, second), { requestId: randomUUID(), fields: {}, ...body });
    const first = await send(false);
    return first.status === 403 && /four-eyes/i.test(String(first.body['message'])) ? send(true) : first;
  }

  /** What the drive decides on `task`: the award to the winner at `priceFen`, else the planner's decision with the plan's overrides. */
  happily(task: K, cycle: D): Record<string, unknown> {
    const { plan } = this;
    if (task.kind === 'award') {
      const bids = cycle.bids.filter((b) => b.qualified);
      return {
        outcome: 'approve',
        payload: { kind: 'award', scores: this.scenario.awardScores(bids, plan.scoreOf), winners: [{ bidId: bids.find((b) => b.vendorId === plan.winner)!.bidId, amountFen: plan.priceFen }] },
      };
    }
    const performance = this.scenario.definition.steps.find((step) => step.kind === 'performanceManagement');
    if (task.kind === 'evaluation' && plan.evaluationScore !== undefined && performance?.kind === 'performanceManagement') {
      return { outcome: 'approve', payload: { kind: 'evaluation', scores: Object.fromEntries(performance.performance.evaluation.indicators.filter((i) => i.score === undefined).map((i) => [i.id, plan.evaluationScore])) } };
    }
    const { outcome, fields, payload } = this.planner.happyDecision(task as unknown as TaskInstance, { bids: [], budgetTotal: 0 });
    if (task.kind === 'ledgerSubmission' && plan.ledger && payload?.kind === 'ledger') {
      const period = (task as TaskView & { period?: number | null }).period ?? 0;
      return { outcome, payload: { kind: 'ledger', lines: { ...payload.lines, ...plan.ledger(period) } } };
    }
    return { outcome, fields: { ...fields, ...plan.forms?.[task.nodeId] }, ...(payload ? { payload } : {}) };
  }

  /**
   * Bids once a round and decides every open task the plan does not leave to the test until `done`
   * holds. When nobody has anything to do, with `skip` time moves to the next timer of the cycle or its
   * contracts; without it (or with no timer) the drive waits for the cycle to change.
   */
  async until(done: (cycle: D, open: K[]) => boolean, { skip }: { skip: boolean }): Promise<{ cycle: D; open: K[] }> {
    const { scenario, cycleId, plan } = this;
    const roles = scenario.definition.roles.map((role) => role.id);
    for (let round = 0; round < 400; round++) {
      const cycle = await this.detail();
      const open = (await Promise.all(roles.map((role) => this.inbox(role)))).flat();
      if (done(cycle, open)) return { cycle, open };
      const biddingRound = cycle.live?.pendingTimers.find((t) => t.purpose === 'bidding')?.timerId;
      if (cycle.live?.biddingOpen && biddingRound && !this.rounds.has(biddingRound)) {
        this.rounds.add(biddingRound);
        for (const vendorId of plan.bidders) expect((await scenario.bid(cycleId, vendorId, plan.priceFen)).status).toBe(201);
        continue;
      }
      const task = open.find((t) => !plan.leave?.(t));
      if (task) {
        plan.before?.(task, cycle);
        const answer = await this.decide(task, this.happily(task, cycle));
        if (answer.status !== 200 && answer.status !== 409) throw new Error(`deciding ${task.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      const timers = [...(cycle.live?.pendingTimers ?? []), ...(cycle.live?.contracts.flatMap((c) => c.pendingTimers) ?? [])];
      const next = timers.map((t) => t.until).sort()[0];
      if (!skip || !next) await scenario.changeFrom(cycleId, cycle);
      else await scenario.stack.env.sleep(Math.max(1000, Date.parse(next) - (await scenario.stack.env.currentTimeMs()) + 1000));
    }
    throw new Error(`cycle ${cycleId} never got where the test waits for`);
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
  bids: Array<{ bidId: string; round: number | null; vendorId: string; vendorName: string; priceFen: number; qualified: boolean; submittedAt: string; won: boolean; awardedAmountFen: number | null; eligible: boolean | null; ineligibleReason: string | null }>;
  payments: Array<{ contractId: string; trancheId: string; amountFen: number; status: string }>;
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
