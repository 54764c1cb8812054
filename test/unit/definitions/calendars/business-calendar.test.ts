import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../../src/config/project-root.js';
import {
  addCalendarDuration,
  BusinessCalendar,
  CalendarYearMissingError,
  InvalidCalendarDurationError,
  InvalidCivilDateError,
  isCivilDate,
  weekdayOf,
  WEEKDAYS,
} from '../../../../src/definitions/calendars/business-calendar.js';
import { type CalendarDefinition, CalendarSchema } from '../../../../src/definitions/calendars/calendar.schema.js';

const cn2026 = CalendarSchema.parse(parse(readFileSync(path.join(PROJECT_ROOT, 'definitions/calendars/cn-2026.yaml'), 'utf8')));
const calendar = BusinessCalendar.fromDefinitions([cn2026]);

/** A calendar for tests only, with weekends and no holidays: no real year looks like this. */
function plainCalendar(key: string, year: number): CalendarDefinition {
  return {
    apiVersion: 'procureflow.gov.cn/v1',
    kind: 'Calendar',
    metadata: { key, title: { zh: '测试', en: 'Test' }, sources: [{ document: '测试', section: '全文' }] },
    year,
    weekend: ['saturday', 'sunday'],
    holidays: [],
    makeUpWorkdays: [],
  };
}

/** The date `days` calendar days after `date`, computed with UTC Date as an independent oracle. */
function utcPlusDays(date: string, days: number): string {
  const moment = new Date(`${date}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

describe('BusinessCalendar on the 2026 State Council arrangement', () => {
  it('closes the whole Spring Festival week and opens the make-up Saturdays around it', () => {
    const week = ['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23'];
    for (const date of week) expect([date, calendar.isBusinessDay(date)]).toEqual([date, false]);
    expect(calendar.isBusinessDay('2026-02-13')).toBe(true); // Friday before
    expect(calendar.isBusinessDay('2026-02-14')).toBe(true); // make-up Saturday
    expect(calendar.isBusinessDay('2026-02-24')).toBe(true); // Tuesday after
    expect(calendar.isBusinessDay('2026-02-28')).toBe(true); // make-up Saturday
    expect(calendar.isBusinessDay('2026-03-07')).toBe(false); // an ordinary Saturday
  });

  it('counts make-up weekend days as business days and holidays on weekdays as days off', () => {
    expect(calendar.isBusinessDay('2026-01-04')).toBe(true); // Sunday, worked for 元旦
    expect(calendar.isBusinessDay('2026-09-20')).toBe(true); // Sunday, worked for 国庆节
    expect(calendar.isBusinessDay('2026-10-10')).toBe(true); // Saturday, worked for 国庆节
    expect(calendar.isBusinessDay('2026-01-01')).toBe(false); // Thursday, 元旦
    expect(calendar.isBusinessDay('2026-09-25')).toBe(false); // Friday, 中秋节
    expect(calendar.isBusinessDay('2026-03-10')).toBe(true); // an ordinary Tuesday
  });

  it('makes a task opened on Friday with 1 business day due on Monday, or later when Monday is a holiday', () => {
    expect(calendar.addBusinessDays('2026-03-06', 1)).toBe('2026-03-09');
    expect(calendar.addBusinessDays('2026-04-03', 1)).toBe('2026-04-07'); // 清明节 Monday 04-06 is off
  });

  it('lands on the make-up Saturday before the Spring Festival and skips the whole week after it', () => {
    expect(calendar.addBusinessDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(calendar.addBusinessDays('2026-02-13', 2)).toBe('2026-02-24');
  });

  it('carries deadlines across 中秋节 and 国庆节, using the make-up days on both sides', () => {
    expect(calendar.addBusinessDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(calendar.addBusinessDays('2026-09-30', 3)).toBe('2026-10-10'); // make-up Saturday
    expect(calendar.addBusinessDays('2026-09-18', 1)).toBe('2026-09-20'); // make-up Sunday
    expect(calendar.addBusinessDays('2026-09-18', 10)).toBe('2026-10-09');
  });

  it('starts counting after the start day even when the start day is a holiday, and returns the start for 0 days', () => {
    expect(calendar.addBusinessDays('2026-02-15', 1)).toBe('2026-02-24');
    expect(calendar.addBusinessDays('2026-02-15', 0)).toBe('2026-02-15');
  });

  it('counts business days after "from" up to and including "to"', () => {
    expect(calendar.businessDaysBetween('2026-02-13', '2026-02-27')).toBe(5); // 02-14, 02-24 … 02-27
    expect(calendar.businessDaysBetween('2026-09-30', '2026-10-10')).toBe(3);
    expect(calendar.businessDaysBetween('2026-10-10', '2026-09-30')).toBe(-3);
    expect(calendar.businessDaysBetween('2026-05-01', '2026-05-01')).toBe(0);
  });

  it('gives 2026 its 248 working days: 261 weekdays, less 19 weekday holidays, plus 6 make-up days', () => {
    expect(calendar.businessDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
  });

  it('refuses dates of a year no calendar covers, naming the file to add', () => {
    expect(() => calendar.isBusinessDay('2027-01-04')).toThrow(new CalendarYearMissingError(2027, 'definitions/calendars/cn-2027.yaml'));
    expect(() => calendar.isBusinessDay('2027-01-04')).toThrow('no business calendar covers 2027: add definitions/calendars/cn-2027.yaml');
    expect(() => calendar.isBusinessDay('2025-12-31')).toThrow('no business calendar covers 2025: add definitions/calendars/cn-2025.yaml');
    expect(calendar.addBusinessDays('2026-12-30', 1)).toBe('2026-12-31');
    expect(() => calendar.addBusinessDays('2026-12-30', 2)).toThrow(CalendarYearMissingError);
    expect(() => calendar.businessDaysBetween('2026-12-01', '2027-01-05')).toThrow(CalendarYearMissingError);
    let caught: unknown;
    try {
      calendar.isBusinessDay('2028-06-01');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CalendarYearMissingError);
    expect(caught).toMatchObject({ name: 'CalendarYearMissingError', year: 2028, calendarFile: 'definitions/calendars/cn-2028.yaml' });
  });

  it('covers several years when built from several definitions of one series', () => {
    // A stand-in for a later year, with weekends only: the real 2027 notice is not out yet.
    const twoYears = BusinessCalendar.fromDefinitions([cn2026, plainCalendar('cn-2027', 2027)]);
    expect(twoYears.coveredYears).toEqual([2026, 2027]);
    expect(twoYears.addBusinessDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(twoYears.businessDaysBetween('2026-12-30', '2027-01-04')).toBe(3);
  });

  it('refuses definitions that would make answers ambiguous', () => {
    expect(() => BusinessCalendar.fromDefinitions([])).toThrow('at least one Calendar definition');
    expect(() => BusinessCalendar.fromDefinitions([cn2026, { ...cn2026 }])).toThrow('calendars cn-2026 and cn-2026 both cover 2026');
    expect(() => BusinessCalendar.fromDefinitions([cn2026, plainCalendar('sh-2027', 2027)])).toThrow('different series');
    expect(() => BusinessCalendar.fromDefinitions([plainCalendar('cn-2025', 2026)])).toThrow('must end with "-2026"');
    const outside = { ...plainCalendar('cn-2026', 2026), makeUpWorkdays: [{ date: '2027-01-02', for: { zh: '元旦', en: "New Year's Day" } }] };
    expect(() => BusinessCalendar.fromDefinitions([outside])).toThrow('lists 2027-01-02, which is not in 2026');
    const clash = { ...cn2026, makeUpWorkdays: [{ date: '2026-02-21', for: { zh: '春节', en: 'Spring Festival' } }] };
    expect(() => BusinessCalendar.fromDefinitions([clash])).toThrow('both as a holiday and as a make-up workday');
  });

  it('rejects malformed and impossible dates with a message naming the value', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-2-3', '20260203', '2026-02-03T00:00:00Z', '0000-01-01', '']) {
      expect(() => calendar.isBusinessDay(bad)).toThrow(InvalidCivilDateError);
      expect(() => calendar.isBusinessDay(bad)).toThrow(`${JSON.stringify(bad)} is not a real date: write dates as YYYY-MM-DD`);
    }
    expect(() => calendar.addBusinessDays('2026-02-29', 1)).toThrow(InvalidCivilDateError);
    expect(() => calendar.businessDaysBetween('2026-01-01', '2026-04-31')).toThrow(InvalidCivilDateError);
  });

  it('rejects business-day counts that are negative or not whole', () => {
    expect(() => calendar.addBusinessDays('2026-03-06', -1)).toThrow('business days must be a whole number of 0 or more, not -1');
    expect(() => calendar.addBusinessDays('2026-03-06', 1.5)).toThrow(RangeError);
    expect(() => calendar.addBusinessDays('2026-03-06', Number.NaN)).toThrow(RangeError);
  });

  it('never modifies the definitions it is built from', () => {
    const frozen = structuredClone(cn2026);
    const deepFreeze = (value: unknown): void => {
      if (value && typeof value === 'object') {
        Object.freeze(value);
        for (const child of Object.values(value)) deepFreeze(child);
      }
    };
    deepFreeze(frozen);
    expect(() => BusinessCalendar.fromDefinitions([frozen]).isBusinessDay('2026-02-14')).not.toThrow();
  });
});

describe('BusinessCalendar properties', () => {
  const spring2026 = fc.integer({ min: 0, max: 180 }).map((offset) => utcPlusDays('2025-12-31', offset));

  it('businessDaysBetween undoes addBusinessDays, and every due date is a business day', () => {
    fc.assert(
      fc.property(spring2026, fc.integer({ min: 0, max: 100 }), (start, days) => {
        const due = calendar.addBusinessDays(start, days);
        expect(calendar.businessDaysBetween(start, due)).toBe(days);
        if (days > 0) {
          expect(calendar.isBusinessDay(due)).toBe(true);
          expect(calendar.addBusinessDays(start, days - 1) < due).toBe(true);
        }
      }),
    );
  });

  it('businessDaysBetween is antisymmetric and adds up over consecutive spans', () => {
    fc.assert(
      fc.property(spring2026, spring2026, spring2026, (a, b, c) => {
        expect(calendar.businessDaysBetween(b, a) + calendar.businessDaysBetween(a, b)).toBe(0);
        expect(calendar.businessDaysBetween(a, c)).toBe(calendar.businessDaysBetween(a, b) + calendar.businessDaysBetween(b, c));
      }),
    );
  });
});

describe('civil dates', () => {
  const anyDate = fc
    .record({ year: fc.integer({ min: 1, max: 9999 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
    .map(({ year, month, day }) => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);

  it('agrees with UTC Date on which strings are real dates and on their day of the week', () => {
    fc.assert(
      fc.property(anyDate, (date) => {
        const moment = new Date(`${date}T00:00:00Z`);
        const real = !Number.isNaN(moment.getTime()) && moment.toISOString().slice(0, 10) === date;
        expect(isCivilDate(date)).toBe(real);
        if (real) expect(weekdayOf(date)).toBe(WEEKDAYS[(moment.getUTCDay() + 6) % 7]);
      }),
      { numRuns: 2000 },
    );
  });

  it('knows the weekdays the notice states', () => {
    expect(weekdayOf('2026-01-01')).toBe('thursday');
    expect(weekdayOf('2026-02-15')).toBe('sunday');
    expect(weekdayOf('2026-10-07')).toBe('wednesday');
    expect(weekdayOf('1970-01-01')).toBe('thursday');
    expect(weekdayOf('2000-02-29')).toBe('tuesday');
  });
});

describe('addCalendarDuration', () => {
  it('adds days and weeks as calendar days', () => {
    expect(addCalendarDuration('2026-02-20', 'P10D')).toBe('2026-03-02');
    expect(addCalendarDuration('2026-12-25', 'P2W')).toBe('2027-01-08');
    expect(addCalendarDuration('2026-03-01', 'P0D')).toBe('2026-03-01');
  });

  it('adds months and years, clamping to the last day of a shorter month', () => {
    expect(addCalendarDuration('2026-01-31', 'P1M')).toBe('2026-02-28');
    expect(addCalendarDuration('2024-01-31', 'P1M')).toBe('2024-02-29');
    expect(addCalendarDuration('2026-03-31', 'P1M')).toBe('2026-04-30');
    expect(addCalendarDuration('2026-12-31', 'P1M')).toBe('2027-01-31');
    expect(addCalendarDuration('2024-02-29', 'P1Y')).toBe('2025-02-28');
    expect(addCalendarDuration('2026-11-15', 'P14M')).toBe('2028-01-15');
  });

  it('applies months before days, as java.time and Temporal do', () => {
    expect(addCalendarDuration('2026-01-31', 'P1M1D')).toBe('2026-03-01');
    expect(addCalendarDuration('2026-01-30', 'P1Y1M2W3D')).toBe('2027-03-17');
  });

  it('agrees with UTC Date for any number of days', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }).map((offset) => utcPlusDays('2024-01-01', offset)), fc.integer({ min: 0, max: 5000 }), (start, days) => {
        expect(addCalendarDuration(start, `P${days}D`)).toBe(utcPlusDays(start, days));
      }),
    );
  });

  it('rejects time parts and anything that is not a date-only ISO-8601 duration', () => {
    expect(() => addCalendarDuration('2026-03-01', 'PT15M')).toThrow(InvalidCalendarDurationError);
    expect(() => addCalendarDuration('2026-03-01', 'P1DT2H')).toThrow('"P1DT2H" is not a calendar duration: it has a time part (after "T")');
    for (const bad of ['P', '10D', 'P-1D', 'P1.5D', 'p1d', 'P1D1M', '']) {
      expect(() => addCalendarDuration('2026-03-01', bad)).toThrow(InvalidCalendarDurationError);
    }
    expect(() => addCalendarDuration('2026-02-30', 'P1D')).toThrow(InvalidCivilDateError);
    expect(() => addCalendarDuration('9999-12-31', 'P1D')).toThrow('leaves the years 0001 to 9999');
  });
});
