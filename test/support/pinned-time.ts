import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';

/**
 * The instant every scenario starts at, so that its deadlines, holidays and years are the same on every
 * run whatever the day. The time-skipping test server starts at the machine's clock and offers no start
 * time (its command line takes a port and `--enable-time-skipping` only), and time only moves forward,
 * so the pinned instant lies in the future: a Monday, 09:00 in China, of 2054 — a year on the same
 * weekdays as 2026, whose arrangement the test calendars below repeat.
 */
export const PINNED_START = '2054-03-02T01:00:00.000Z';

const TEST_CALENDAR_DIR = path.join(PROJECT_ROOT, 'test/scenario/fixtures/calendars');

/** The test calendars (test data, not official arrangements) for every year the scenarios' cycles touch. */
export const TEST_CALENDAR_FILES: ReadonlyArray<{ file: string; text: string }> = readdirSync(TEST_CALENDAR_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, text: readFileSync(path.join(TEST_CALENDAR_DIR, file), 'utf8') }));

/** The same calendars as definitions, for planning decisions the way the engine will. */
export const TEST_CALENDARS: CalendarDefinition[] = TEST_CALENDAR_FILES.map(({ file, text }) => {
  const result = compileDefinition(text, file);
  if (!result.ok) throw new Error(`the test calendar ${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as CalendarDefinition;
});

/** Moves a fresh time-skipping server's clock to PINNED_START, before any workflow exists. */
export async function pinClock(env: TestWorkflowEnvironment): Promise<void> {
  const now = await env.currentTimeMs();
  const target = Date.parse(PINNED_START);
  if (now > target) {
    throw new Error(`the pinned start ${PINNED_START} has passed: move it (and test/scenario/fixtures/calendars) to a later year on the same weekdays`);
  }
  await env.sleep(target - now);
}
