import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import protos, { type temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { History } = protos.temporal.api.history.v1;
const { EventType } = protos.temporal.api.enums.v1;
export type History = temporal.api.history.v1.IHistory;

/**
 * Checked-in histories of whole procurement cycles, replayed by test/unit/workflows/replay-histories.test.ts
 * against the current workflow code. Layout: `histories/<set>/<procedure key>/<workflow>.json`. A set is
 * one recording of every shipped procedure; older sets stay as long as cycles recorded by that code may
 * still be running somewhere, so that a versioned change is proven to replay them too.
 */
export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/** One run of one workflow, as a file holds it. */
export interface RecordedHistory {
  /** Workflows derive idempotency keys and child ids from their id, and a history does not hold it. */
  readonly workflowId: string;
  readonly workflowType: string;
  /** 1 for the first run; continue-as-new starts the next. */
  readonly run: number;
  /** The event types in order, for people reading a re-recording's diff; the test checks they match `history`. */
  readonly events: readonly string[];
  /**
   * The history exactly as the server sent it: a `temporal.api.history.v1.History` protobuf, base64.
   * (Not Temporal's JSON history form: the SDK's converter to it fails with this install's two copies
   * of protobufjs, and the binary form round-trips without loss.) Payloads in it are encrypted.
   */
  readonly history: string;
}

export interface HistoryFile extends Omit<RecordedHistory, 'history'> {
  /** Relative to HISTORIES_DIR. */
  readonly file: string;
  readonly set: string;
  readonly procedure: string;
  readonly history: History;
}

export function encodeHistory(history: History): string {
  return Buffer.from(History.encode(history).finish()).toString('base64');
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function eventsOf(history: History): HistoryEvent[] {
  return history.events ?? [];
}

/** `WORKFLOW_EXECUTION_STARTED`, … for each event. */
export function eventTypes(history: History): string[] {
  return eventsOf(history).map((event) => String(EventType[event.eventType ?? 0]).replace(/^EVENT_TYPE_/, ''));
}

/** Every checked-in history, sorted by set, procedure and file name. */
export function loadRecordedHistories(dir: string = HISTORIES_DIR): HistoryFile[] {
  const found: HistoryFile[] = [];
  for (const set of subdirectories(dir)) {
    for (const procedure of subdirectories(path.join(dir, set))) {
      for (const name of readdirSync(path.join(dir, set, procedure)).filter((n) => n.endsWith('.json')).sort()) {
        const file = path.join(set, procedure, name);
        const recorded = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as RecordedHistory;
        found.push({ ...recorded, history: History.decode(Buffer.from(recorded.history, 'base64')), file, set, procedure });
      }
    }
  }
  return found;
}

/** File name of one run: `procurement-cycle.json`, `contract-vendor-1.json`, and `….run-2.json` after a continue-as-new. */
export function historyFileName(kind: 'procurement-cycle' | `contract-${string}`, run: number): string {
  return `${kind.replace(/[^A-Za-z0-9._-]/g, '_')}${run > 1 ? `.run-${run}` : ''}.json`;
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
