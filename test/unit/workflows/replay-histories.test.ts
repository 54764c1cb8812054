import '../../support/quiet-temporal-runtime.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../../src/payload-encryption/encryption-codec.js';
import { TEST_PAYLOAD_KEY, testDataConverter } from '../../support/payload-encryption.js';
import { bundleTestWorkflows } from '../../support/workflow-bundles.js';
import { eventsOf, eventTypes, type HistoryFile, loadRecordedHistories } from '../../replay/recorded-histories.js';

/**
 * Cycles run for years, and a worker replays each one's history whenever it picks the cycle up again.
 * These are real histories of whole cycles of every shipped procedure (recorded by `npm run
 * replay:record`); replaying them against today's workflow code fails on any change that would break
 * a running cycle — a reordered activity call, a new timer, a child started earlier — unless the change
 * is versioned (README.md, "Replaying recorded histories").
 */
const histories = loadRecordedHistories();
const shippedProcedures = readdirSync(path.join(PROJECT_ROOT, 'definitions', 'procedures'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => (parse(readFileSync(path.join(PROJECT_ROOT, 'definitions', 'procedures', name), 'utf8')) as { metadata: { key: string } }).metadata.key)
  .sort();
// Set names begin with their recording date (README.md), so the last in order is the newest.
const newestSet = [...new Set(histories.map((h) => h.set))].sort().at(-1);

describe('the recorded histories', () => {
  it('hold, in the newest set, a whole cycle of every shipped procedure: the cycle and every contract it started, each to its end', () => {
    const inNewest = histories.filter((h) => h.set === newestSet);
    expect([...new Set(inNewest.map((h) => h.procedure))]).toEqual(shippedProcedures);
    for (const procedure of shippedProcedures) {
      const runs = inNewest.filter((h) => h.procedure === procedure);
      const cycle = chains(runs).find((chain) => chain[0]?.workflowType === 'procurementCycleWorkflow');
      expect(cycle && lastEvent(cycle)).toBe('WORKFLOW_EXECUTION_COMPLETED');
      const children = (cycle ?? []).flatMap((run) =>
        eventsOf(run.history).flatMap((event) => {
          const childId = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
          return childId ? [childId] : [];
        }),
      );
      expect(children.length).toBeGreaterThan(0);
      for (const childId of children) {
        const contract = chains(runs).find((chain) => chain[0]?.workflowId === childId);
        expect([childId, contract?.[0]?.workflowType, contract && lastEvent(contract)]).toEqual([childId, 'contractWorkflow', 'WORKFLOW_EXECUTION_COMPLETED']);
      }
    }
  });

  it('list, for readers of their diffs, the very events they hold', () => {
    for (const { file, events, history } of histories) expect([file, events]).toEqual([file, eventTypes(history)]);
  });

  it('hold only ciphertext, under the fixed test key the replay decodes with', () => {
    for (const { file, history } of histories) {
      const payloads = eventsOf(history)[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      const metadata = payloads.map((payload) => [text(payload.metadata?.['encoding']), text(payload.metadata?.[KEY_ID_METADATA])]);
      expect([file, metadata]).toEqual([file, [[ENCRYPTED_ENCODING, TEST_PAYLOAD_KEY.id]]]);
    }
  });

  let workflowBundle: { code: string };

  beforeAll(async () => {
    workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
  });

  it('replay against the current workflow code without a determinism error', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const replays = Worker.runReplayHistories(
      { workflowBundle, dataConverter: testDataConverter() },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    for await (const result of replays) {
      const { file } = histories[replayed++] as HistoryFile;
      if (result.error) failures.push(`${file} (${result.workflowId}): ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });

  it('are decoded through the payload codec when replayed: without the test key the workflow code cannot read its input', async () => {
    // So the replay above really ran the workflow code on the recorded inputs, not on payloads it skipped.
    const smallest = [...histories].sort((a, b) => eventsOf(a.history).length - eventsOf(b.history).length)[0] as HistoryFile;
    const [result] = await collect(Worker.runReplayHistories({ workflowBundle }, [{ workflowId: smallest.workflowId, history: smallest.history }]));
    expect(result?.error?.message).toContain(`Unknown encoding: ${ENCRYPTED_ENCODING}`);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Runs grouped per workflow, in run order. */
function chains(runs: HistoryFile[]): HistoryFile[][] {
  const byWorkflow = new Map<string, HistoryFile[]>();
  for (const run of runs) byWorkflow.set(run.workflowId, [...(byWorkflow.get(run.workflowId) ?? []), run]);
  return [...byWorkflow.values()].map((chain) => chain.sort((a, b) => a.run - b.run));
}

function lastEvent(chain: HistoryFile[]): string | undefined {
  const last = chain[chain.length - 1];
  return last ? eventTypes(last.history).at(-1) : undefined;
}

function text(bytes: Uint8Array | null | undefined): string {
  return Buffer.from(bytes ?? []).toString('utf8');
}
