import { CALENDAR_PERIODS, type CalendarPeriod } from '../../src/definitions/supervision/supervision-vocabulary.js';

/**
 * Calendar arithmetic for the periods of supervision obligations (`per: P1M`, `alignment: calendar`).
 *
 * Pure and deterministic: it never reads the clock, only the instants it is given, so it runs in
 * Temporal's workflow sandbox. Instants are ISO-8601 strings; a date without a time means midnight
 * in the definition's UTC offset. Results are written in that offset, e.g. `2025-02-01T00:00:00+08:00`,
 * so that a civil servant reads local dates.
 */

export { CALENDAR_PERIODS, type CalendarPeriod };

export type PeriodAlignment = 'rolling' | 'calendar';

const DAY_MS = 86_400_000;
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

export interface IsoDurationParts {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

/** Parses an ISO-8601 duration (`P1M`, `P15D`, `PT12H`); undefined when it is not one. */
export function parseIsoDuration(duration: string): IsoDurationParts | undefined {
  const match = DURATION.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) return undefined;
  const n = (index: number) => Number(match[index] ?? 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/** True when the duration is longer than nothing (`P0D` is not a period). */
export function isPositiveDuration(duration: string): boolean {
  const parts = parseIsoDuration(duration);
  return parts !== undefined && Object.values(parts).some((value) => value > 0);
}

export function isCalendarPeriod(duration: string): duration is CalendarPeriod {
  return (CALENDAR_PERIODS as readonly string[]).includes(duration);
}

/** Minutes east of UTC of an offset written `+08:00`; undefined when malformed. */
export function offsetMinutes(utcOffset: string): number | undefined {
  const match = OFFSET.exec(utcOffset);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * Milliseconds since the epoch of an ISO-8601 date (`2025-01-31`, midnight in `utcOffset`) or
 * date-time with a zone (`2025-01-31T09:30:00+08:00`, `…Z`); undefined when it is neither.
 */
export function parseInstant(value: string, utcOffset: string): number | undefined {
  const match = INSTANT.exec(value);
  const offset = offsetMinutes(utcOffset);
  if (!match || offset === undefined) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return undefined;
  if (match[4] === undefined) return Date.UTC(year, month - 1, day) - offset * 60_000;
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = match[7] ? Number(`0.${match[7]}`) * 1000 : 0;
  const zone = match[8] === 'Z' ? 0 : offsetMinutes(match[8] ?? '');
  if (zone === undefined) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fraction) - zone * 60_000;
}

/** Writes an instant in the given offset: `2025-02-01T00:00:00+08:00`. */
export function formatInstant(epochMs: number, utcOffset: string): string {
  const offset = offsetMinutes(utcOffset) ?? 0;
  const local = new Date(epochMs + offset * 60_000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${utcOffset}`
  );
}

/**
 * When the period that started at `startedAt` ends (exclusive), as an instant in `utcOffset`.
 * Rolling: start + duration, with month arithmetic clamped to the month's last day
 * (2025-01-31 + P1M = 2025-02-28). Calendar: the next calendar boundary strictly after the start.
 * Undefined when the start or the duration cannot be read, or a calendar period is not supported.
 */
export function periodEnd(startedAt: string, per: string, alignment: PeriodAlignment, utcOffset: string): string | undefined {
  const start = parseInstant(startedAt, utcOffset);
  const offset = offsetMinutes(utcOffset);
  if (start === undefined || offset === undefined) return undefined;
  const end = alignment === 'calendar' ? nextCalendarBoundary(start, per, offset) : addDuration(start, per, offset);
  return end === undefined ? undefined : formatInstant(end, utcOffset);
}

/** True when `instant` is exactly where a calendar period begins (local midnight of a period's first day). */
export function isCalendarBoundary(instant: string, per: string, utcOffset: string): boolean {
  const at = parseInstant(instant, utcOffset);
  const offset = offsetMinutes(utcOffset);
  if (at === undefined || offset === undefined || !isCalendarPeriod(per)) return false;
  const local = new Date(at + offset * 60_000);
  if (local.getTime() % DAY_MS !== 0) return false;
  const [month, day] = [local.getUTCMonth(), local.getUTCDate()];
  switch (per) {
    case 'P1D':
      return true;
    case 'P1W':
      return local.getUTCDay() === 1;
    case 'P15D':
      return day === 1 || day === 16;
    case 'P1M':
      return day === 1;
    case 'P3M':
      return day === 1 && month % 3 === 0;
    case 'P1Y':
      return day === 1 && month === 0;
  }
}

function addDuration(start: number, per: string, offset: number): number | undefined {
  const parts = parseIsoDuration(per);
  if (!parts) return undefined;
  const local = new Date(start + offset * 60_000);
  const totalMonths = local.getUTCMonth() + parts.months + parts.years * 12;
  const year = local.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const day = Math.min(local.getUTCDate(), daysInMonth(year, month));
  const shifted = Date.UTC(year, month, day, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds());
  const extra = (parts.weeks * 7 + parts.days) * DAY_MS + ((parts.hours * 60 + parts.minutes) * 60 + parts.seconds) * 1000;
  return shifted + extra - offset * 60_000;
}

function nextCalendarBoundary(start: number, per: string, offset: number): number | undefined {
  if (!isCalendarPeriod(per)) return undefined;
  const local = new Date(start + offset * 60_000);
  const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  let boundary: number;
  switch (per) {
    case 'P1D':
      boundary = Date.UTC(year, month, day + 1);
      break;
    case 'P1W':
      boundary = Date.UTC(year, month, day + ((8 - local.getUTCDay()) % 7 || 7));
      break;
    case 'P15D':
      boundary = day < 16 ? Date.UTC(year, month, 16) : Date.UTC(year, month + 1, 1);
      break;
    case 'P1M':
      boundary = Date.UTC(year, month + 1, 1);
      break;
    case 'P3M':
      boundary = Date.UTC(year, (Math.floor(month / 3) + 1) * 3, 1);
      break;
    case 'P1Y':
      boundary = Date.UTC(year + 1, 0, 1);
      break;
  }
  return boundary - offset * 60_000;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}
