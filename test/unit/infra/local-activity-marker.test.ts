import { localActivityOf, LOCAL_ACTIVITY_MARKER } from '../../../src/infra/temporal/local-activity-marker.js';
import { testPayloadCodec } from '../../support/payload-encryption.js';
import { eventsOf, loadRecordedHistories } from '../../replay/recorded-histories.js';

const json = (value: unknown) => ({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(value)) });

describe('reading a local activity marker', () => {
  it('names the activity and attempt of every projection marker in a recorded contract history, and skips patch markers', async () => {
    // The newest recorded set was written by workflows that project locally first (scope-runner.ts).
    const recorded = loadRecordedHistories().filter((history) => history.set === '2026-11-29-local-projection' && history.workflowType === 'contractWorkflow');
    expect(recorded.length).toBeGreaterThan(0);
    const markers = recorded.flatMap((history) => eventsOf(history.history).flatMap((event) => (event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes] : [])));
    const local = markers.filter((marker) => marker.markerName === LOCAL_ACTIVITY_MARKER);
    const patches = markers.filter((marker) => marker.markerName !== LOCAL_ACTIVITY_MARKER);
    expect(local.length).toBeGreaterThan(10);
    expect(patches.length).toBeGreaterThan(0);
    for (const marker of local) expect(localActivityOf(marker)).toEqual({ activityType: 'applyCommands', attempt: 1, succeeded: true });
    for (const marker of patches) expect(localActivityOf(marker)).toBeUndefined();
    // The result is the projection's own answer, encrypted like every payload: the seqs it applied.
    const [result] = await testPayloadCodec.decode(local[0]?.details?.['result']?.payloads ?? []);
    expect(JSON.parse(new TextDecoder().decode(result?.data ?? new Uint8Array()))).toMatchObject({ applied: expect.arrayContaining([0]), skipped: [] });
  });

  it('says a local activity that ended without a result failed', () => {
    const failed = { markerName: LOCAL_ACTIVITY_MARKER, details: { data: { payloads: [json({ seq: 4, attempt: 3, activity_id: '4', activity_type: 'applyCommands' })] } }, failure: { message: 'tasks are read-only' } };
    expect(localActivityOf(failed)).toEqual({ activityType: 'applyCommands', attempt: 3, succeeded: false });
  });

  it('reads nothing from a marker whose data is missing, not JSON, or names no activity', () => {
    expect(localActivityOf({ markerName: LOCAL_ACTIVITY_MARKER, details: {} })).toBeUndefined();
    expect(localActivityOf({ markerName: LOCAL_ACTIVITY_MARKER, details: { data: { payloads: [{ data: new TextEncoder().encode('{not json') }] } } })).toBeUndefined();
    expect(localActivityOf({ markerName: LOCAL_ACTIVITY_MARKER, details: { data: { payloads: [json({ seq: 1, activity_type: 7 })] } } })).toBeUndefined();
    expect(localActivityOf({ markerName: 'core_patch', details: { data: { payloads: [json({ activity_type: 'applyCommands' })] } } })).toBeUndefined();
  });
});
