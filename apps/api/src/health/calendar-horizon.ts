import { calendarFileFor } from '../ops/stuck/stuck-rules.js';

/**
 * Whether each jurisdiction's deployed business calendars reach far enough: pure, so the rule is tested
 * without a clock or a database. A deadline in a year no calendar covers cannot be computed (the engine
 * records an incident and the deadline never comes), so the warning comes while there is time to deploy.
 */

export interface CalendarCoverage {
  readonly jurisdiction: string;
  /** Years covered for this jurisdiction: its own calendars and the national ones. */
  readonly years: readonly number[];
  /** The latest pending deadline of its open processes in the read model, if any. */
  readonly latestDeadline: string | null;
}

export interface CalendarWarning {
  readonly jurisdiction: string;
  /** The last day the calendars cover (YYYY-MM-DD), or null when none is deployed. */
  readonly lastCoveredDay: string | null;
  /** The first year not covered. */
  readonly missingYear: number;
  /** The file whose deployment removes the warning. */
  readonly file: string;
  readonly message: string;
}

const DAY_MS = 86_400_000;

/**
 * One warning per jurisdiction whose calendars end (the last day of the last year in an unbroken run
 * from today's year) less than `horizonDays` after `today`, or before its latest pending deadline.
 */
export function calendarWarnings(coverages: readonly CalendarCoverage[], today: Date, horizonDays: number): CalendarWarning[] {
  const warnings: CalendarWarning[] = [];
  for (const coverage of [...coverages].sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction))) {
    const years = new Set(coverage.years);
    const thisYear = today.getUTCFullYear();
    let missingYear = thisYear;
    while (years.has(missingYear)) missingYear++;
    const lastCoveredDay = missingYear > thisYear ? `${missingYear - 1}-12-31` : null;
    const coveredUntil = Date.UTC(missingYear, 0, 1);
    const horizonEnd = today.getTime() + horizonDays * DAY_MS;
    const deadline = coverage.latestDeadline ? new Date(coverage.latestDeadline).getTime() : null;
    const short = coveredUntil <= horizonEnd;
    const beforeDeadline = deadline !== null && coveredUntil <= deadline;
    if (!short && !beforeDeadline) continue;
    const file = calendarFileFor(missingYear);
    const reason = beforeDeadline
      ? `before its latest pending deadline (${coverage.latestDeadline})`
      : `less than ${horizonDays} days after today`;
    const ends = lastCoveredDay ? `end on ${lastCoveredDay}` : `do not cover ${thisYear}`;
    warnings.push({
      jurisdiction: coverage.jurisdiction,
      lastCoveredDay,
      missingYear,
      file,
      message: `the business calendars of ${coverage.jurisdiction} ${ends}, ${reason}: deploy ${file} (year ${missingYear})`,
    });
  }
  return warnings;
}
