import type { CalendarDefinition } from './calendar.schema.js';

/**
 * Business-day arithmetic on civil dates (`YYYY-MM-DD`), driven by Calendar definitions.
 *
 * This module also runs inside Temporal's workflow sandbox, so it is pure and deterministic: no
 * Node built-ins, no clock, no time zones. A date is a civil date, turned into a day number (days
 * since 1970-01-01) with integer arithmetic; a local-time `Date` would shift by a day in some
 * time zones, and the sandbox replaces `Date` anyway. It imports the Calendar schema as a type only,
 * so bundling it into workflows does not pull in zod.
 */

/** Days of the week, Monday first (ISO 8601). */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A value that is not a real civil date written `YYYY-MM-DD`. */
export class InvalidCivilDateError extends RangeError {
  override readonly name = 'InvalidCivilDateError';
  constructor(readonly value: unknown) {
    super(`${JSON.stringify(value)} is not a real date: write dates as YYYY-MM-DD between 0001-01-01 and 9999-12-31, e.g. 2026-03-01`);
  }
}

/** A duration that `addCalendarDuration` cannot apply. */
export class InvalidCalendarDurationError extends RangeError {
  override readonly name = 'InvalidCalendarDurationError';
  constructor(
    readonly value: unknown,
    reason: string,
  ) {
    super(`${JSON.stringify(value)} is not a calendar duration: ${reason}`);
  }
}

/**
 * A date whose year no loaded Calendar covers. Business days in China depend on that year's
 * State Council notice, so guessing "weekends only" would put deadlines on public holidays.
 */
export class CalendarYearMissingError extends Error {
  override readonly name = 'CalendarYearMissingError';
  constructor(
    readonly year: number,
    /** The definition file that would cover the year, e.g. `definitions/calendars/cn-2028.yaml`. */
    readonly calendarFile: string,
  ) {
    super(`no business calendar covers ${year}: add ${calendarFile}`);
  }
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_DAY = daysFromCivil(1, 1, 1);
const MAX_DAY = daysFromCivil(9999, 12, 31);

/** True when `value` is a real date written `YYYY-MM-DD` (no 2026-02-30, no year 0000). */
export function isCivilDate(value: unknown): value is string {
  return parseCivil(value) !== undefined;
}

/** The day of the week of a civil date. Throws InvalidCivilDateError for anything else. */
export function weekdayOf(date: string): Weekday {
  return WEEKDAYS[weekdayIndex(toDayNumber(date))] as Weekday;
}

/**
 * The civil date `isoDuration` after `start`, for date-only ISO-8601 durations (`P10D`, `P2W`,
 * `P1M`, `P1Y2M10D`).
 *
 * Guarantees: years and months are applied first, as whole months, and a day that does not exist
 * in the target month is clamped to that month's last day (2026-01-31 + P1M = 2026-02-28); weeks
 * and days are then added as 7 and 1 calendar days. Durations with a time part (`PT15M`, `P1DT2H`)
 * are rejected: a civil date has no time of day to add them to.
 */
export function addCalendarDuration(start: string, isoDuration: string): string {
  const [year, month, day] = civilOf(start);
  const duration = parseDateDuration(isoDuration);
  const monthIndex = year * 12 + (month - 1) + duration.years * 12 + duration.months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = (monthIndex % 12) + 1;
  if (targetYear < 1 || targetYear > 9999) throw new InvalidCalendarDurationError(isoDuration, `adding it to ${start} leaves the years 0001 to 9999`);
  const clampedDay = Math.min(day, daysInMonth(targetYear, targetMonth));
  const result = daysFromCivil(targetYear, targetMonth, clampedDay) + duration.weeks * 7 + duration.days;
  if (result > MAX_DAY) throw new InvalidCalendarDurationError(isoDuration, `adding it to ${start} leaves the years 0001 to 9999`);
  return fromDayNumber(result);
}

/** What one definition contributes, indexed for lookups. */
interface CalendarYear {
  readonly key: string;
  readonly weekend: ReadonlySet<number>;
}

/**
 * Which civil dates are working days, for the years its Calendar definitions cover.
 *
 * Guarantees: every answer comes from a loaded definition — a date in a year that none covers
 * throws CalendarYearMissingError, never falls back to "weekends only"; every date argument is
 * checked and a malformed or impossible one throws InvalidCivilDateError. Instances are immutable
 * and never modify the definitions they were built from.
 */
export class BusinessCalendar {
  private constructor(
    private readonly years: ReadonlyMap<number, CalendarYear>,
    private readonly holidays: ReadonlySet<number>,
    private readonly makeUpWorkdays: ReadonlySet<number>,
    /** Key prefix shared by the definitions (`cn` for `cn-2026`), used to name the missing file. */
    private readonly series: string,
  ) {}

  /**
   * Builds a calendar from definitions of one series (keys `<series>-<year>`, e.g. `cn-2026` and
   * `cn-2027`), each covering its own year.
   *
   * The definitions are expected to have passed the Calendar schema and rules; this still refuses,
   * with an Error naming the definition, anything that would make answers ambiguous or wrong: no
   * definitions, two for one year, keys of different series, a date outside its definition's year,
   * a range that ends before it starts, a date that is both a holiday and a make-up workday.
   */
  static fromDefinitions(definitions: readonly CalendarDefinition[]): BusinessCalendar {
    if (definitions.length === 0) throw new Error('a business calendar needs at least one Calendar definition');
    const years = new Map<number, CalendarYear>();
    const holidays = new Set<number>();
    const makeUpWorkdays = new Set<number>();
    let series: string | undefined;

    for (const definition of definitions) {
      const key = definition.metadata.key;
      const suffix = `-${definition.year}`;
      if (!key.endsWith(suffix)) throw new Error(`calendar ${key} covers ${definition.year}, so its key must end with "${suffix}"`);
      const prefix = key.slice(0, -suffix.length);
      if (series === undefined) series = prefix;
      else if (prefix !== series) throw new Error(`calendars ${series}-… and ${key} belong to different series; build one business calendar per series`);
      const existing = years.get(definition.year);
      if (existing) throw new Error(`calendars ${existing.key} and ${key} both cover ${definition.year}; load only one`);

      const inYear = (date: string): number => {
        const day = toDayNumber(date);
        if (civilFromDays(day)[0] !== definition.year) throw new Error(`calendar ${key} lists ${date}, which is not in ${definition.year}`);
        return day;
      };
      // Dates of different definitions never meet (each stays inside its own year), so checking
      // one definition's make-up workdays against the holidays gathered so far is enough.
      for (const holiday of definition.holidays) {
        const from = inYear(holiday.from);
        const to = inYear(holiday.to);
        if (to < from) throw new Error(`calendar ${key}: the holiday ${holiday.name.zh} ends on ${holiday.to}, before it starts on ${holiday.from}`);
        for (let day = from; day <= to; day++) holidays.add(day);
      }
      for (const workday of definition.makeUpWorkdays) {
        const day = inYear(workday.date);
        if (holidays.has(day)) throw new Error(`calendar ${key} lists ${workday.date} both as a holiday and as a make-up workday`);
        makeUpWorkdays.add(day);
      }
      years.set(definition.year, { key, weekend: new Set(definition.weekend.map((name) => WEEKDAYS.indexOf(name))) });
    }
    return new BusinessCalendar(years, holidays, makeUpWorkdays, series as string);
  }

  /** The years this calendar covers, ascending. */
  get coveredYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  /**
   * Whether `date` is a working day: a make-up workday (调休), or else a day that is neither a
   * weekend day nor a holiday of its year's calendar.
   */
  isBusinessDay(date: string): boolean {
    return this.isBusinessDayNumber(toDayNumber(date));
  }

  /**
   * The date `days` business days after `start`. `start` itself is never counted and need not be a
   * business day: a task opened on a Friday with 1 business day is due on Monday, or on the first
   * working day after it when Monday is a holiday. `days` must be a non-negative integer; 0 returns
   * `start`. Only the days after `start` up to the result are looked up, so only their years must be
   * covered.
   */
  addBusinessDays(start: string, days: number): string {
    if (!Number.isSafeInteger(days) || days < 0) throw new RangeError(`business days must be a whole number of 0 or more, not ${days}`);
    let day = toDayNumber(start);
    let remaining = days;
    while (remaining > 0) {
      day += 1;
      if (this.isBusinessDayNumber(day)) remaining -= 1;
    }
    return fromDayNumber(day);
  }

  /**
   * The number of business days after `from` up to and including `to`, so that
   * `businessDaysBetween(start, addBusinessDays(start, n)) === n`. Negative when `to` is before
   * `from` (the count from `to` to `from`, negated); 0 when they are equal.
   */
  businessDaysBetween(from: string, to: string): number {
    const start = toDayNumber(from);
    const end = toDayNumber(to);
    // `0 - n` rather than `-n`: a reversed span without business days is 0, not -0.
    if (end < start) return 0 - this.countBusinessDays(end, start);
    return this.countBusinessDays(start, end);
  }

  /** Business days in (start, end]. */
  private countBusinessDays(start: number, end: number): number {
    let count = 0;
    for (let day = start + 1; day <= end; day++) if (this.isBusinessDayNumber(day)) count += 1;
    return count;
  }

  private isBusinessDayNumber(day: number): boolean {
    const year = civilFromDays(day)[0];
    const calendar = this.years.get(year);
    if (!calendar) throw new CalendarYearMissingError(year, `definitions/calendars/${this.series}-${year}.yaml`);
    if (this.makeUpWorkdays.has(day)) return true;
    if (this.holidays.has(day)) return false;
    return !calendar.weekend.has(weekdayIndex(day));
  }
}

// ---------------------------------------------------------------------------------------------
// Civil-date arithmetic (proleptic Gregorian calendar), after Howard Hinnant's `days_from_civil`
// and `civil_from_days` (http://howardhinnant.github.io/date_algorithms.html). Integer-only, so
// the results do not depend on the host's time zone or on `Date`.

function parseCivil(value: unknown): [number, number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return [year, month, day];
}

function civilOf(date: string): [number, number, number] {
  const civil = parseCivil(date);
  if (!civil) throw new InvalidCivilDateError(date);
  return civil;
}

function toDayNumber(date: string): number {
  const [year, month, day] = civilOf(date);
  return daysFromCivil(year, month, day);
}

function fromDayNumber(dayNumber: number): string {
  if (dayNumber < MIN_DAY || dayNumber > MAX_DAY) throw new InvalidCivilDateError(`day ${dayNumber} after 1970-01-01`);
  const [year, month, day] = civilFromDays(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Index into WEEKDAYS; day 0 (1970-01-01) was a Thursday. */
function weekdayIndex(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(dayNumber: number): [number, number, number] {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return [month <= 2 ? yearOfEra + era * 400 + 1 : yearOfEra + era * 400, month, day];
}

interface DateDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
}

const DATE_DURATION_PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

function parseDateDuration(value: string): DateDuration {
  if (typeof value !== 'string') throw new InvalidCalendarDurationError(value, 'write it as ISO-8601 text such as "P10D", "P2W" or "P1M"');
  if (/^P[^T]*T/.test(value)) {
    throw new InvalidCalendarDurationError(value, 'it has a time part (after "T"), but deadlines on dates count whole days, weeks, months or years; write e.g. "P1D"');
  }
  const match = DATE_DURATION_PATTERN.exec(value);
  if (!match || value === 'P') throw new InvalidCalendarDurationError(value, 'write years, months, weeks and days in that order, e.g. "P10D", "P2W", "P1M" or "P1Y2M"');
  const amount = (part: string | undefined) => (part === undefined ? 0 : Number(part));
  const parts = { years: amount(match[1]), months: amount(match[2]), weeks: amount(match[3]), days: amount(match[4]) };
  // Anything this large leaves the years 0001 to 9999 from any start date; refusing it here keeps
  // the arithmetic inside exact integers.
  if (parts.years > 9999 || parts.months > 120000 || parts.weeks > 530000 || parts.days > 3700000) {
    throw new InvalidCalendarDurationError(value, 'it reaches beyond the year 9999');
  }
  return parts;
}
