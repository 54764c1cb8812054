import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment as Environment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';
import { noticeDiscrepancies, readModelDiscrepancies, treasuryDiscrepancies } from '../support/crash-oracles.js';
import { freshDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { type BlockedBackend, failAttemptsOfDeadWorker, LockHolder, partialExports, seededRandom, WorkerProcess } from '../support/fault-injection.js';
import { TEST_PAYLOAD_KEYS_ENV, testDataConverter } from '../support/payload-encryption.js';
import { insertVendor } from '../support/procurement-fixtures.js';
import { scratchDir, sharedTemporalAddress } from '../support/test-environment.js';
import { type DriverMessage, WorkflowDriver } from '../support/workflow-driver.js';

/**
 * The minimal procedure with its waits (and its one ledger period, the contract's term) shortened to seconds, so a whole cycle runs on the real dev
 * server (which, unlike the time-skipping server, hands a dead worker's work to a new one). The bidding
 * window stays long enough (20 s) for three bids to land on a loaded machine whose worker replays every
 * task from history; a shorter one would end some cycles for too few bidders.
 */
function quickProcedure(): ProcedureDefinition {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'unit', 'definitions', 'fixtures', 'minimal-procedure.yaml');
  const text = readFileSync(file, 'utf8').replace('duration: P10D', 'duration: PT1S').replace('window: P20D', 'window: PT20S').replace('periods: "12"', 'periods: "1"').replace('period: monthly', 'period: PT2S');
  const result = compileDefinition(text, 'quick-procedure.yaml');
  if (!result.ok || result.compiled.kind !== 'Procedure') throw new Error('the quick procedure does not compile');
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

/**
 * Where a kill lands:
 * - `between`: before a message, with nothing running (the worker is idle);
 * - `projection`: inside a projection's transaction, blocked on the row of the workflow's cycle or contract;
 * - `auditAppend`: inside a projection's transaction, blocked appending to the audit trail (the chain's head row);
 * - `exportWaiting`: a payment recorded (committed), its export waiting for the export lock;
 * - `exportWriting`: the export's `.partial` file written, its transaction blocked marking the payments exported.
 */
/** How long an export fault waits, after its message was answered, for the export it aims at to start. */
const EXPORT_WAIT_MS = 60_000;
/** Polls (200 ms apart) for the exports of earlier messages to land before an export fault is set up. */
const ATTEMPTS_FOR_EXPORTS = 300;

type Fault = 'between' | 'projection' | 'auditAppend' | 'exportWaiting' | 'exportWriting';

interface Strike {
  readonly message: string;
  readonly fault: Fault;
  /** Whether the worker was killed inside the activity (a message may not need the held lock: no kill then). */
  readonly killed: boolean;
  readonly blocked?: BlockedBackend;
  /** `.partial` files present when the worker was killed. */
  readonly partials: string[];
  /** Payments recorded but not exported when the worker was killed. */
  readonly pendingPayments: number;
  /** Activity attempts of the dead worker reported failed. */
  readonly failedAttempts: string[];
}

const SEED = process.env['PROCUREFLOW_CRASH_SEED'] ? Number(process.env['PROCUREFLOW_CRASH_SEED']) : randomInt(2 ** 31);
const RANDOM_CYCLES = 3;
const KILLS_PER_RANDOM_CYCLE = 3;

/**
 * Durability where it hurts: the worker process is killed (SIGKILL) inside its activities — during a
 * projection, during the treasury export, between a payment's record and its export — by holding the
 * locks those activities need until the worker's backend is seen waiting for them, then at random
 * points over several cycles. What the outside world sees must stay exact: every payment exported
 * exactly once, the read model equal to the workflows' own state, each notice published once.
 */
describe(`a worker killed inside its activities (PROCUREFLOW_CRASH_SEED=${SEED})`, () => {
  const definition = quickProcedure();
  let env: Environment;
  let dataSource: DataSource;
  let worker: WorkerProcess;
  let holder: LockHolder;
  let exportDir: string;
  let taskQueue: string;
  let bidders: Array<{ vendorId: string; vendorName: string }>;
  const cycleIds: string[] = [];
  const strikes: Strike[] = [];

  beforeAll(async () => {
    process.stderr.write(`[worker-crash] seed ${SEED}: replay this run with PROCUREFLOW_CRASH_SEED=${SEED}\n`);
    env = await Environment.createFromExistingServer({ address: sharedTemporalAddress(), client: { dataConverter: testDataConverter() } });
    const database = await freshDatabase('worker_crash');
    dataSource = database.dataSource;
    holder = await LockHolder.connect(database.url);
    // Registry vendors with credit codes: the export pays only those, so the files are really written.
    bidders = [];
    for (const name of ['崇明县阳光社会工作服务中心', '崇明县晨光社工事务所', '崇明县春晖社会工作服务社']) {
      const vendor = await insertVendor(dataSource, { name, jurisdiction: definition.metadata.jurisdiction.code });
      bidders.push({ vendorId: vendor.id, vendorName: name });
    }
    const dataDir = await scratchDir('crash');
    exportDir = path.join(dataDir, 'treasury-exports');
    taskQueue = `crash-${randomUUID()}`;
    worker = new WorkerProcess({
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: sharedTemporalAddress(),
      TEMPORAL_TASK_QUEUE_PROCUREMENT: taskQueue,
      TEMPORAL_TASK_QUEUE_CASES: `${taskQueue}-cases`,
      // No sticky execution: a task the dead worker held would otherwise wait out the sticky timeout
      // before a new worker may take it; every task is then replayed from its history, which a crash needs anyway.
      TEMPORAL_WORKFLOW_CACHE_SIZE: '0',
      PROCUREFLOW_DATA_DIR: dataDir,
      PROCUREFLOW_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS_ENV,
      LOG_LEVEL: 'info',
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker?.kill();
    await holder?.close();
    await env?.teardown();
    await dataSource?.destroy();
  });

  /** The nodes whose decision instructs a payment (a tranche's trigger). */
  const paymentTriggers = new Set(definition.steps.flatMap((step) => (step.kind === 'paymentRelease' ? step.payment.tranches.map((t) => t.after) : [])));

  /** Kills the worker, reports its started attempts failed, and hands back what it killed. */
  async function killWorker(): Promise<string[]> {
    const dead = await worker.kill();
    return dead === undefined ? [] : failAttemptsOfDeadWorker(env.client, cycleIds, dead);
  }

  /** Sends `message` with `fault` injected; see Fault. */
  async function strike(fault: Fault, message: DriverMessage, send: () => Promise<void>): Promise<Strike> {
    const label = `#${message.count} ${message.kind} ${message.nodeId ?? ''} → ${message.workflowId}`;
    if (fault === 'between') {
      const failedAttempts = await killWorker();
      await worker.start();
      await send();
      return { message: label, fault, killed: true, partials: [], pendingPayments: 0, failedAttempts };
    }
    const isContract = message.workflowId !== cycleIds[cycleIds.length - 1];
    if (fault === 'projection') await holder.lockRows(`SELECT 1 FROM ${isContract ? 'contracts' : 'cycles'} WHERE id = $1 FOR UPDATE`, [message.workflowId]);
    if (fault === 'auditAppend') await holder.lockRows(`SELECT 1 FROM audit_chain_heads WHERE chain = 'global' FOR UPDATE`);
    if (fault === 'exportWaiting' || fault === 'exportWriting') {
      // Exports run beside the answers: let those of earlier messages land, so the strike counts only its own payment.
      await eventually(
        async () => (await holder.query<{ count: number }>(`SELECT count(*)::int AS count FROM payment_outbox WHERE exported_at IS NULL`)).rows[0]?.count ?? 0,
        (count) => count === 0,
        ATTEMPTS_FOR_EXPORTS,
        200,
      );
      await holder.lockTreasuryExport();
    }

    let finishedAt: number | undefined;
    const sent = send().finally(() => (finishedAt = Date.now()));
    sent.catch(() => undefined); // awaited below; a failure is reported there
    // A message's own activities have all run once it is answered. Its treasury export runs beside the
    // answer, so an export fault waits on after it; the bound only keeps a message that instructs no
    // payment from holding the test (the aimed strikes below assert that each kill landed).
    const exportFault = fault === 'exportWaiting' || fault === 'exportWriting';
    const givenUp = () => finishedAt !== undefined && (!exportFault || Date.now() - finishedAt > EXPORT_WAIT_MS);
    let blocked = await holder.untilBlocked((query) => (exportFault ? query.includes('pg_advisory_lock') : true), givenUp);
    if (blocked && fault === 'exportWriting') {
      // The payment is committed and its export waits for us: now hold the payments rows the export's
      // trigger must update, let the export in, and wait until it blocks before its commit.
      await holder.lockRows(`SELECT p.id FROM payments p JOIN payment_outbox o ON o.payment_id = p.id WHERE o.exported_at IS NULL FOR UPDATE OF p`);
      await holder.unlockTreasuryExport();
      blocked = await holder.untilBlocked((query) => query.includes('UPDATE payment_outbox'), givenUp);
    }
    let strikeResult: Strike = { message: label, fault, killed: false, partials: [], pendingPayments: 0, failedAttempts: [] };
    if (blocked) {
      const partials = await partialExports(exportDir);
      const pending = (await holder.query<{ count: number }>(`SELECT count(*)::int AS count FROM payment_outbox WHERE exported_at IS NULL`)).rows[0]?.count ?? 0;
      const failedAttempts = await killWorker();
      strikeResult = { message: label, fault, killed: true, blocked, partials, pendingPayments: pending, failedAttempts };
    }
    await holder.releaseAll();
    if (blocked) await worker.start();
    await sent;
    return strikeResult;
  }

  /** The faults that can land inside `message`'s activities. */
  function faultsFor(message: DriverMessage): Fault[] {
    // Bids must land within the quick procedure's bidding window, which a restart can outlast:
    // late bids are rightly refused, so a kill aimed at a bid moves to the next decision.
    if (message.kind === 'bid') return [];
    if (message.nodeId && paymentTriggers.has(message.nodeId)) return ['between', 'auditAppend', 'exportWaiting', 'exportWriting'];
    return ['between', 'projection', 'auditAppend'];
  }

  /** The read model agrees with every workflow of the cycle once the work in flight has landed. */
  async function expectReadModelToMatch(cycleId: string): Promise<void> {
    const problems = await eventually(
      // A worker killed inside a local projection held its workflow task: until the server times that task
      // out and another worker takes it, a query of the workflow fails. That is work still in flight.
      () => readModelDiscrepancies(env.client, dataSource, cycleId).catch((error: Error) => [`the workflow could not be queried yet: ${error.message}`]),
      (found) => found.length === 0,
      100,
    ).catch((error: Error) => [error.message]);
    expect(problems).toEqual([]);
  }

  /** Drives a cycle to its end with `plan` deciding the fault of each message (none: sent as it is). */
  async function runCycle(plan: (message: DriverMessage) => Fault | undefined): Promise<{ cycleId: string; messages: number }> {
    const driver = new WorkflowDriver(env, definition);
    driver.bidders = bidders;
    let messages = 0;
    driver.interceptMessage = async (message, send) => {
      messages = message.count;
      const fault = plan(message);
      if (!fault) return send();
      const done = await strike(fault, message, send);
      strikes.push(done);
      process.stderr.write(`[worker-crash] ${done.fault} at ${done.message}: ${done.killed ? `killed (${done.blocked?.waitEvent ?? 'idle'}), attempts failed: ${done.failedAttempts.join(', ') || 'none'}` : 'the message needed no held lock, no kill'}\n`);
      if (done.killed) await expectReadModelToMatch(cycleIds[cycleIds.length - 1] as string);
    };
    const cycleId = await driver.launch(taskQueue);
    cycleIds.push(cycleId);
    const { cycle, contracts } = await driver.driveCycle(cycleId);
    expect(contracts.map((c) => c.status)).toEqual(cycle.contracts.map(() => 'completed'));
    expect(await env.client.workflow.getHandle(cycleId).result()).toMatchObject({ status: 'completed' });
    await expectPaymentsToMatchWorkflows(cycleId);
    await expectReadModelToMatch(cycleId);
    return { cycleId, messages };
  }

  /** Each contract's payments: one per tranche, summing to what its workflow says it paid. */
  async function expectPaymentsToMatchWorkflows(cycleId: string): Promise<void> {
    const tranches = definition.steps.flatMap((step) => (step.kind === 'paymentRelease' ? step.payment.tranches.map((t) => t.id) : [])).sort();
    const contracts = (await dataSource.query(`SELECT id FROM contracts WHERE cycle_id = $1`, [cycleId])) as Array<{ id: string }>;
    expect(contracts.length).toBeGreaterThan(0);
    for (const { id } of contracts) {
      const { paidFen } = (await env.client.workflow.getHandle(id).result()) as { paidFen: number };
      const payments = (await dataSource.query(`SELECT tranche_id, amount_fen::int AS amount FROM payments WHERE contract_id = $1 ORDER BY tranche_id`, [id])) as Array<{
        tranche_id: string;
        amount: number;
      }>;
      expect({ contract: id, tranches: payments.map((p) => p.tranche_id), paidFen: payments.reduce((sum, p) => sum + p.amount, 0) }).toEqual({ contract: id, tranches, paidFen });
    }
  }

  async function expectOutsideWorldExact(): Promise<void> {
    expect(await treasuryDiscrepancies(dataSource, exportDir)).toEqual([]);
    expect(await noticeDiscrepancies(dataSource, definition, cycleIds)).toEqual([]);
  }

  let messagesPerCycle = 0;

  it('loses nothing and does nothing twice when killed during a projection, during the export, and between a payment and its export', async () => {
    const firstContract = (message: DriverMessage) => message.workflowId.endsWith(`/contract/${bidders[0]?.vendorId}`);
    const { messages } = await runCycle((message) => {
      if (message.kind === 'decision' && message.nodeId === 'reviewBudget') return 'projection';
      if (message.kind === 'decision' && message.nodeId === 'signContract' && firstContract(message)) return 'exportWaiting';
      if (message.kind === 'decision' && message.nodeId === 'accept' && firstContract(message)) return 'exportWriting';
      return undefined;
    });
    messagesPerCycle = messages;
    const byFault = Object.fromEntries(strikes.map((s) => [s.fault, s]));
    // Each kill provably landed where it was aimed.
    // The projection runs as a local activity inside the workflow task that made it: the kill leaves no
    // pending activity to fail, the server hands the dead worker's workflow task to the new worker when it
    // times out, and its replay runs the projection again (the row lock it waited on proves where it died).
    expect(byFault['projection']).toMatchObject({ killed: true, blocked: { query: expect.stringMatching(/\b(contracts|cycles)\b/) }, failedAttempts: [] });
    expect(byFault['exportWaiting']).toMatchObject({ killed: true, pendingPayments: 1, failedAttempts: [expect.stringMatching(/^exportTreasuryPayments@/)] });
    expect(byFault['exportWriting']).toMatchObject({ killed: true, pendingPayments: 1, partials: [expect.stringMatching(/\.csv\.partial$/)] });
    await expectOutsideWorldExact();
  }, 240_000);

  it(`loses nothing and does nothing twice when killed at random points of ${RANDOM_CYCLES} cycles (seed ${SEED})`, async () => {
    expect(messagesPerCycle).toBeGreaterThan(KILLS_PER_RANDOM_CYCLE);
    const random = seededRandom(SEED);
    const before = strikes.length;
    for (let round = 0; round < RANDOM_CYCLES; round++) {
      const points = new Map<number, number>();
      while (points.size < KILLS_PER_RANDOM_CYCLE) points.set(1 + Math.floor(random() * messagesPerCycle), random());
      let carried: number | undefined;
      await runCycle((message) => {
        const draw = carried ?? points.get(message.count);
        if (draw === undefined) return undefined;
        const faults = faultsFor(message);
        carried = faults.length === 0 ? draw : undefined;
        return faults[Math.floor(draw * faults.length)];
      });
    }
    const random_ = strikes.slice(before);
    expect(random_.filter((s) => s.killed).length).toBeGreaterThanOrEqual(RANDOM_CYCLES);
    await expectOutsideWorldExact();
  }, 300_000);
});
