import type { Payload } from '@temporalio/common';
import { CORRELATION_HEADER } from '../../src/observability/correlation-header.js';

export interface FoundPayload {
  readonly payload: Payload;
  /**
   * The search attribute or header a payload is the value of (`searchAttributes.indexedFields.<name>`,
   * `header.fields.<name>`), `patch-data` for a patch marker's, or `local-activity-data` for a local
   * activity marker's bookkeeping: values Temporal itself must read.
   * Undefined for workflow data, memos included.
   */
  readonly readableAs: string | undefined;
  /** Where it sits, e.g. `events.3.workflowExecutionStartedEventAttributes.input.payloads.0`. */
  readonly path: string;
}

/** Every payload in a Temporal history (or any part of one), wherever it sits. */
export function payloadsInHistory(value: unknown, found: FoundPayload[] = [], path: readonly string[] = []): FoundPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as Payload;
  if (candidate.metadata && typeof candidate.metadata === 'object' && candidate.data instanceof Uint8Array) {
    const [container, map, name] = path.slice(-3);
    const readable = (container === 'searchAttributes' && map === 'indexedFields') || (container === 'header' && map === 'fields');
    // A patch marker's details name the patch taken (`patched('…')`), written by the SDK unencoded.
    const patchMarker = path.includes('markerRecordedEventAttributes') && path.includes(PATCH_DATA);
    // A local activity marker's `data` detail is the SDK's own bookkeeping (which activity, which attempt,
    // when), written unencoded; its `result` detail is workflow data. Anything more in `data` counts as data.
    const localActivityBookkeeping = path.includes('markerRecordedEventAttributes') && path.at(-4) === 'details' && path.at(-3) === 'data' && onlyBookkeeping(candidate);
    found.push({ payload: candidate, readableAs: readable ? name : patchMarker ? PATCH_DATA : localActivityBookkeeping ? LOCAL_ACTIVITY_DATA : undefined, path: path.join('.') });
    return found;
  }
  for (const [key, item] of Object.entries(value)) payloadsInHistory(item, found, [...path, key]);
  return found;
}

/** Where the payloads of workflow data that are not in `encoding` sit: should be nowhere. */
export function dataPayloadsNotIn(found: readonly FoundPayload[], encoding: string): string[] {
  return found
    .filter((entry) => entry.readableAs === undefined && Buffer.from(entry.payload.metadata?.['encoding'] ?? new Uint8Array()).toString('utf8') !== encoding)
    .map((entry) => entry.path);
}

/** The payloads of workflow data: everything but search attributes and headers. */
export function dataPayloads(found: readonly FoundPayload[]): Payload[] {
  return found.filter((entry) => entry.readableAs === undefined).map((entry) => entry.payload);
}

/** The details key of the SDK's patch markers. */
const PATCH_DATA = 'patch-data';

/** What a local activity marker's `data` detail is counted as when it holds only the SDK's bookkeeping. */
const LOCAL_ACTIVITY_DATA = 'local-activity-data';

/** The fields the SDK writes in a local activity marker's `data` detail. */
const LOCAL_ACTIVITY_BOOKKEEPING: ReadonlySet<string> = new Set(['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time']);

/** Whether `payload` is a JSON object of the SDK's local activity bookkeeping fields and nothing else. */
function onlyBookkeeping(payload: Payload): boolean {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).every((key) => LOCAL_ACTIVITY_BOOKKEEPING.has(key));
  } catch {
    return false;
  }
}

/** The search attribute in which the Temporal SDK lists the patches a workflow took (patch ids, no data). */
const TEMPORAL_CHANGE_VERSION = 'TemporalChangeVersion';

/** Names of readable payloads other than procureflow's search attributes, its correlation header and the SDK's patch list and local activity bookkeeping: should be none. */
export function unexpectedReadablePayloads(found: readonly FoundPayload[]): string[] {
  return [...new Set(found.flatMap((entry) => (entry.readableAs === undefined ? [] : [entry.readableAs])))].filter((name) => !name.startsWith('Procureflow') && name !== CORRELATION_HEADER && name !== TEMPORAL_CHANGE_VERSION && name !== PATCH_DATA && name !== LOCAL_ACTIVITY_DATA);
}
