import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { addCosts, type HistoryCost, historyCost, runsOf } from '../../bench/src/history-cost.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { compileDefinition } from '../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import { startTimeSkippingServer } from '../../src/infra/temporal/local-temporal.js';
import { caseEventUpdate, type CaseWorkflowInput, caseWorkflowId } from '../../workflows/cases/messages.js';
import type { Actor } from '../../workflows/engine/types.js';
import { freshDatabase } from '../support/databases.js';
import { testDataConverter, testPayloadCodec } from '../support/payload-encryption.js';
import { PINNED_START, pinClock, TEST_CALENDARS } from '../support/pinned-time.js';
import { testLog, toolsDir } from '../support/test-environment.js';
import { bundleTestWorkflows } from '../support/workflow-bundles.js';
import { procurementWorker, shippedDefinition, WorkflowDriver } from '../support/workflow-driver.js';

/** What a history may cost at most. */
interface Ceiling {
  /** Every event, workflow tasks included. */
  readonly events: number;
  /** Events beyond the workflow tasks' own: the deterministic count. */
  readonly steadyEvents: number;
  readonly bytes: number;
  /** Of `bytes`, the workflow inputs (its start, continue-as-new and children's starts): mostly definition and calendars. */
  readonly inputBytes: number;
}

/**
 * CEILINGS, not targets: each is about 10% above what one cycle (one contract, one case-year) measured
 * when it was written, so that the test fails when the engine makes histories grow, and says by how
 * much. When the engine gets cheaper, they are lowered to ~10% above the new measure, so the saving cannot
 * silently come back: they were, when the payload codec began compressing before it encrypts (a Deqing
 * cycle's own history went from ~287 KB to ~95 KB, each of its contracts from ~286 KB to ~184 KB), and
 * when projections began to run as local activities first (a Deqing contract to ~129 KB, 723 events to 475).
 *
 * What varies from run to run, and why the ceilings hold anyway:
 * - `events`, by a workflow task (3 events) here and there: whether two activity results or timers that
 *   land together reach the workflow in one workflow task or two depends on timing. `steadyEvents`
 *   (everything but the workflow tasks' own events) was the same in every run measured, and so were
 *   `inputBytes` and the activity inputs.
 * - `bytes`, by a few hundred: timestamps are protobuf varints whose length follows the instant they
 *   hold, and the workflow tasks above come and go. (Payloads are encrypted with a random IV, but of
 *   fixed length, and compressed deterministically, so the same plaintext is the same size.)
 *
 * `cycle` is the cycle workflow's own history (every run of its chain), including the input of each
 * contract it starts; `contract` is each contract's history (every contract of the cycle must stay under it).
 */
const CEILINGS: Readonly<Record<string, { readonly cycle: Ceiling; readonly contract: Ceiling }>> = {
  // Measured (projections local first): cycle 156 events (75 steady), 59,980 bytes, input 25,411; contract 229 (136), 69,273, input 12,929.
  'baotou-people-mediation': {
    cycle: { events: 175, steadyEvents: 85, bytes: 66_000, inputBytes: 28_000 },
    contract: { events: 255, steadyEvents: 150, bytes: 76_500, inputBytes: 14_500 },
  },
  // Measured (projections local first): cycle 153 events (75), 60,658 bytes, input 26,512; contract 229 (136), 70,032, input 13,477.
  'baotou-resettlement': {
    cycle: { events: 175, steadyEvents: 85, bytes: 67_000, inputBytes: 29_500 },
    contract: { events: 255, steadyEvents: 150, bytes: 77_500, inputBytes: 15_000 },
  },
  // Measured (projections local first): cycle 174–177 events (81), 87,102 bytes, input 51,045 (its own and three contracts');
  // each of 3 contracts 475 (274), 129,314–129,436, input 12,850.
  'deqing-community-correction': {
    cycle: { events: 200, steadyEvents: 90, bytes: 96_000, inputBytes: 56_500 },
    contract: { events: 525, steadyEvents: 305, bytes: 143_000, inputBytes: 14_200 },
  },
  // Measured (projections local first): cycle 138–141 events (69), 56,339 bytes, input 24,779; contract 236 (137), 70,163, input 12,573.
  'ningxia-community-correction': {
    cycle: { events: 160, steadyEvents: 80, bytes: 62_000, inputBytes: 27_500 },
    contract: { events: 260, steadyEvents: 150, bytes: 77_500, inputBytes: 14_000 },
  },
  // Measured (projections local first): cycle 152 events (71), 57,095 bytes, input 24,148; contract 395 (233), 105,837, input 12,310.
  'xiamen-community-correction': {
    cycle: { events: 170, steadyEvents: 80, bytes: 63_000, inputBytes: 27_000 },
    contract: { events: 435, steadyEvents: 260, bytes: 116_500, inputBytes: 13_700 },
  },
  // Measured (projections local first): cycle 162–168 events (78), 70,859 bytes, input 34,899; each of 2 contracts 388 (229), 104,830–104,940, input 11,744.
  'xuancheng-community-correction': {
    cycle: { events: 185, steadyEvents: 90, bytes: 78_000, inputBytes: 38_500 },
    contract: { events: 430, steadyEvents: 255, bytes: 115_500, inputBytes: 13_000 },
  },
};

/**
 * One year of the seed lifecycle's case, every run of its chain (same rule as CEILINGS). Measured with its
 * changes recorded by a local activity first: 1,195 events (697 steady) in one run, 245,236 bytes, input
 * 4,868 (the lifecycle definition, compressed); 2,108 events and 387,519 bytes before.
 */
const CASE_YEAR_CEILING: Ceiling = { events: 1_320, steadyEvents: 770, bytes: 270_000, inputBytes: 5_400 };

const PROCEDURES = readdirSync(path.join(PROJECT_ROOT, 'definitions', 'procedures'))
  .filter((name) => name.endsWith('.yaml'))
  .sort();

const log = testLog('history-cost');

/** Where `cost` exceeds `ceiling`, in words (none: within it). */
function over(what: string, cost: HistoryCost, ceiling: Ceiling): string[] {
  const measured: Ceiling = { events: cost.events, steadyEvents: cost.events - cost.workflowTaskEvents, bytes: cost.bytes, inputBytes: cost.inputBytes };
  return (Object.keys(ceiling) as Array<keyof Ceiling>).filter((key) => measured[key] > ceiling[key]).map((key) => `${what} ${key}: ${measured[key]} > ceiling ${ceiling[key]}`);
}

function line(what: string, cost: HistoryCost): string {
  const share = cost.bytes === 0 ? 0 : Math.round((100 * cost.inputBytes) / cost.bytes);
  return `${what}: ${cost.runs} run(s), ${cost.events} events (${cost.events - cost.workflowTaskEvents} beyond workflow tasks), ${cost.bytes} bytes, of which workflow inputs ${cost.inputBytes} (${share}%), activity inputs ${cost.activityInputBytes}`;
}

/**
 * How much of the workflow's first input is the definition and the calendars it carries, decoded
 * (plaintext JSON bytes): the suspect for most of a history's size.
 */
async function carriedInInput(client: Client, workflowId: string): Promise<{ input: number; definition: number; calendars: number }> {
  const [first] = await runsOf(client, workflowId);
  const payloads = first?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const [decoded] = await testPayloadCodec.decode(payloads);
  const data = decoded?.data ? Buffer.from(decoded.data).toString('utf8') : 'null';
  const argument = JSON.parse(data) as { definition?: unknown; calendars?: unknown } | null;
  const size = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8'));
  return { input: Buffer.byteLength(data, 'utf8'), definition: size(argument?.definition), calendars: size(argument?.calendars) };
}

/**
 * Temporal history events and bytes of one whole cycle of every seed template (the cycle workflow and
 * each contract it starts, driven to their ends on the time-skipping server with the real activities)
 * and of one year of a supervised person's case, held under fixed ceilings. The benchmark
 * (`npm run bench`, scenario `history`) prints the same measure for the running system.
 */
describe('history cost per seed cycle, contract and case-year', () => {
  let dataSource: DataSource;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    ({ dataSource } = await freshDatabase('history_cost'));
    workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  // A server of its own per history, its clock pinned to the scenarios' start, so every run of this
  // test measures the same dates (deadlines, holidays, period boundaries) whatever the day.
  let running: TestWorkflowEnvironment | undefined;
  const pinnedServer = async (): Promise<TestWorkflowEnvironment> => {
    running = await startTimeSkippingServer({ toolsDir: toolsDir(), log: testLog('time-skipping'), dataConverter: testDataConverter() });
    await pinClock(running);
    return running;
  };
  afterEach(async () => {
    await running?.teardown();
    running = undefined;
  });

  it('has a ceiling for every seed template', () => {
    expect(Object.keys(CEILINGS).sort()).toEqual(PROCEDURES.map((file) => file.replace(/\.yaml$/, '')));
  });

  it.each(PROCEDURES)('keeps a whole cycle of %s and each of its contracts under their ceilings', async (file) => {
    const server = await pinnedServer();
    const definition = shippedDefinition(`procedures/${file}`);
    const key = definition.metadata.key;
    const ceiling = CEILINGS[key];
    if (!ceiling) throw new Error(`no ceiling for ${key}`);
    const taskQueue = `history-cost-${key}-${randomUUID()}`;
    const worker = await procurementWorker(server, { taskQueue, workflowBundle, dataSource });
    const driver = new WorkflowDriver(server, definition, undefined, TEST_CALENDARS);

    const { cycleId, contractIds } = await worker.runUntil(async () => {
      const cycleId = await driver.launch(taskQueue);
      const { cycle } = await driver.driveCycle(cycleId);
      // The cycle workflow has returned, after its last contract ended: its history is complete.
      expect(await server.client.workflow.getHandle(cycleId).result()).toMatchObject({ status: 'completed' });
      return { cycleId, contractIds: cycle.contracts.map((contract) => contract.contractId) };
    });

    const cycle = await historyCost(server.client, cycleId);
    const contracts = await Promise.all(contractIds.map((id) => historyCost(server.client, id)));
    const carried = await carriedInInput(server.client, cycleId);
    log(line(`${key} cycle`, cycle));
    contracts.forEach((contract, index) => log(line(`${key} contract ${index + 1}`, contract)));
    log(line(`${key} cycle with its ${contracts.length} contract(s)`, addCosts([cycle, ...contracts])));
    log(`${key} cycle input decoded: ${carried.input} bytes, definition ${carried.definition}, calendars ${carried.calendars}`);

    expect(contracts.length).toBeGreaterThan(0);
    expect([...over(`${key} cycle`, cycle, ceiling.cycle), ...contracts.flatMap((contract, index) => over(`${key} contract ${index + 1}`, contract, ceiling.contract))]).toEqual([]);
    // The inputs are part of the history they are counted in.
    for (const cost of [cycle, ...contracts]) expect(cost.inputBytes + cost.activityInputBytes).toBeLessThan(cost.bytes);
  }, 600_000);

  it('keeps a year of a case on the seed lifecycle under its ceiling', async () => {
    const server = await pinnedServer();
    const text = readFileSync(path.join(PROJECT_ROOT, 'definitions', 'supervision', 'community-correction-case.yaml'), 'utf8');
    const compiled = compileDefinition(text, 'community-correction-case.yaml');
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const definition = JSON.parse(JSON.stringify(compiled.compiled.definition)) as SupervisionDefinition;
    const taskQueue = `history-cost-case-${randomUUID()}`;
    const worker = await procurementWorker(server, { taskQueue, workflowBundle, dataSource });

    const officer: Actor = { userId: 'officer-1', name: '司法所王', roles: ['judicial-office'], jurisdiction: '330521' };
    const staff: Actor = { userId: 'sw-1', name: '社工李', roles: ['vendor'], jurisdiction: '330521', vendorId: 'vendor-a' };
    const DAY_MS = 86_400_000;
    const CST_MS = 8 * 3_600_000;
    // Supervision from the pinned start (Monday 2054-03-02 09:00 +08:00) to the same instant a year later
    // (2055-03-02, 365 days on): 12 calendar months and 52 Monday-to-Sunday weeks close inside the year.
    // Evidence as a diligent social worker records it: a phone call every Wednesday 10:00 +08:00 (52), and
    // on the first Wednesday of each month 8 h of education, 8 h of community service and a home visit (12 each).
    const start = Date.parse(PINNED_START);
    const yearEnd = start + 365 * DAY_MS;
    const firstWednesday = Date.parse('2054-03-04T02:00:00.000Z');
    const caseId = randomUUID();
    const workflowId = caseWorkflowId(caseId);
    const input: CaseWorkflowInput = {
      caseId,
      definition,
      lifecycle: { key: definition.metadata.key, version: 1, contentHash: compiled.compiled.contentHash },
      jurisdiction: '330521',
      vendorId: 'vendor-a',
      attributes: { isKeyPerson: false, riskLevel: 'low' },
      enrolledAt: PINNED_START,
      enrolledBy: officer,
    };

    await worker.runUntil(async () => {
      await server.client.workflow.start('caseWorkflow', { taskQueue, workflowId, args: [input] });
      const handle = server.client.workflow.getHandle(workflowId);
      const send = (actor: Actor, type: string, payload: Record<string, unknown>, at: number) =>
        handle.executeUpdate(caseEventUpdate, { args: [{ requestId: randomUUID(), fingerprint: `${type}:${at}`, actor, type, payload, at: new Date(at).toISOString() }] });
      const sleepUntil = async (instant: number) => {
        const now = await server.currentTimeMs();
        if (instant > now) await server.sleep(instant - now);
      };
      const localDate = (instant: number) => new Date(instant + CST_MS).toISOString().slice(0, 10);

      const day = localDate(start);
      await send(staff, 'archive.created', { date: day, employment: '个体经营', family: '已婚，一子', health: '良好' }, start);
      await send(staff, 'intakeEducation.recorded', { days: 3, date: day }, start);
      await send(staff, 'psychTest.recorded', { date: day, outcome: 'normal' }, start);
      await send(officer, 'correctionGroup.formed', { members: 3, date: day }, start);
      expect(await send(officer, 'intake.completed', { date: day }, start)).toMatchObject({ state: 'supervised' });
      const months = new Set<string>();
      for (let week = 0; week < 52; week++) {
        const wednesday = firstWednesday + week * 7 * DAY_MS;
        await sleepUntil(wednesday);
        const date = localDate(wednesday);
        if (!months.has(date.slice(0, 7))) {
          months.add(date.slice(0, 7));
          await send(staff, 'education.recorded', { hours: 8, date }, wednesday);
          await send(staff, 'communityService.recorded', { hours: 8, date }, wednesday);
          await send(staff, 'visit.recorded', { date, place: 'home' }, wednesday);
        }
        await send(staff, 'phone.recorded', { date }, wednesday);
      }
      expect(months.size).toBe(12);
      await sleepUntil(yearEnd);
      expect(await send(officer, 'sentence.completed', { date: localDate(yearEnd) }, yearEnd)).toMatchObject({ state: 'released', final: true });
      expect(await handle.result()).toEqual({ state: 'released', status: 'completed' });
    });

    const year = await historyCost(server.client, workflowId);
    const carried = await carriedInInput(server.client, workflowId);
    log(line('case-year', year));
    log(`case input decoded: ${carried.input} bytes, lifecycle definition ${carried.definition}`);
    expect(over('case-year', year, CASE_YEAR_CEILING)).toEqual([]);
    expect(year.inputBytes + year.activityInputBytes).toBeLessThan(year.bytes);
  }, 600_000);
});
