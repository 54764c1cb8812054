import type { temporal } from '@temporalio/proto';

/** The name of the marker the SDK records for each local activity a workflow ran. */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** What a local activity marker says of the activity, in clear. */
export interface LocalActivityMark {
  readonly activityType: string;
  /** The attempt that ended it, 1 for the first. */
  readonly attempt: number | undefined;
  /** Whether it ended with a result (false: it failed, and the marker holds the failure). */
  readonly succeeded: boolean;
}

/**
 * Reads a local activity marker: its `data` detail is plain JSON the SDK writes itself (sequence number,
 * attempt, activity type, times), never through the payload codec; its `result` detail is the activity's
 * result, through the codec like any payload, present only when the activity succeeded. Undefined for
 * another marker (a patch marker) or one whose data is not readable so.
 */
export function localActivityOf(marker: temporal.api.history.v1.IMarkerRecordedEventAttributes): LocalActivityMark | undefined {
  if (marker.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const bytes = marker.details?.['data']?.payloads?.[0]?.data;
  if (!bytes) return undefined;
  let data: { activity_type?: unknown; attempt?: unknown };
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof data;
  } catch {
    return undefined;
  }
  if (typeof data.activity_type !== 'string') return undefined;
  return {
    activityType: data.activity_type,
    attempt: typeof data.attempt === 'number' ? data.attempt : undefined,
    succeeded: (marker.details?.['result']?.payloads?.length ?? 0) > 0,
  };
}
