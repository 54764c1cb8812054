import '../../support/quiet-temporal-runtime.js';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { testDataConverter } from '../../support/payload-encryption.js';
import { bundleTestWorkflows } from '../../support/workflow-bundles.js';
import { eventsOf, eventTypes, loadRecordedHistories } from '../../replay/recorded-histories.js';

/**
 * Case workflow histories recorded by earlier workflow code, replayed against the current code. The set
 * `2026-11-28-before-case-ops` was recorded before the case workflow kept its search attributes current
 * (patch `case-search-attributes`) and took ops cancellations: a key person's case on the test lifecycle
 * (test/integration/fixtures/case-lifecycle.yaml), started with procureflow's search attributes,
 * through intake, a visit, an education session and its end. Its histories are never re-recorded: new
 * sets are added beside them.
 */
const histories = loadRecordedHistories(path.join(PROJECT_ROOT, 'test', 'replay', 'case-histories'));

describe('recorded case histories', () => {
  it('were started with the search attributes, so the current code would upsert them but for the patch', () => {
    expect(histories.length).toBeGreaterThan(0);
    for (const { history, events } of histories) {
      expect(eventTypes(history)).toEqual(events);
      const started = eventsOf(history)[0]?.workflowExecutionStartedEventAttributes;
      expect(Object.keys(started?.searchAttributes?.indexedFields ?? {})).toContain('ProcureflowKind');
      expect(events).not.toContain('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES');
    }
  });

  it('replay against the current workflow code without a determinism error', async () => {
    const workflowBundle = await bundleTestWorkflows('../workflows/index.ts');
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle, dataConverter: testDataConverter() },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
