import {
  formatInstant,
  isCalendarBoundary,
  isPositiveDuration,
  parseInstant,
  parseIsoDuration,
  periodEnd,
} from '../../../workflows/machines/obligation-periods.js';

const CST = '+08:00';

describe('ISO-8601 durations', () => {
  it('reads the parts of a duration and refuses what is not one', () => {
    expect(parseIsoDuration('P1Y2M3W4DT5H6M7S')).toEqual({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 });
    expect(parseIsoDuration('P15D')).toMatchObject({ days: 15, months: 0 });
    for (const bad of ['P', 'PT', '1M', 'P1MT', 'P-1D', 'monthly']) expect(parseIsoDuration(bad)).toBeUndefined();
    expect(isPositiveDuration('P0D')).toBe(false);
    expect(isPositiveDuration('PT15M')).toBe(true);
  });
});

describe('instants', () => {
  it('reads a bare date as midnight in the definition offset, and a date-time with its own zone', () => {
    expect(parseInstant('2025-03-01', CST)).toBe(Date.UTC(2025, 1, 28, 16));
    expect(parseInstant('2025-03-01T00:00:00+08:00', CST)).toBe(Date.UTC(2025, 1, 28, 16));
    expect(parseInstant('2025-02-28T16:00:00Z', CST)).toBe(Date.UTC(2025, 1, 28, 16));
    expect(parseInstant('2025-02-28T16:00:00.250Z', CST)).toBe(Date.UTC(2025, 1, 28, 16) + 250);
  });

  it('refuses impossible dates, times without a zone and anything else', () => {
    for (const bad of ['2025-02-29', '2025-13-01', '2025-03-01T10:00', '2025-03-01T25:00:00Z', 'yesterday', '']) {
      expect(parseInstant(bad, CST)).toBeUndefined();
    }
    expect(parseInstant('2024-02-29', CST)).toBeDefined();
  });

  it('writes instants in the definition offset', () => {
    expect(formatInstant(Date.UTC(2025, 1, 28, 16), CST)).toBe('2025-03-01T00:00:00+08:00');
    expect(formatInstant(Date.UTC(2025, 1, 28, 16), '-05:30')).toBe('2025-02-28T10:30:00-05:30');
  });
});

describe('calendar periods (每月, 每半月, 每星期 read as calendar months, half-months and weeks)', () => {
  it('ends a month on the 1st of the next month, whatever day it began', () => {
    expect(periodEnd('2025-03-06T10:00:00+08:00', 'P1M', 'calendar', CST)).toBe('2025-04-01T00:00:00+08:00');
    expect(periodEnd('2025-04-01', 'P1M', 'calendar', CST)).toBe('2025-05-01T00:00:00+08:00');
    expect(periodEnd('2025-12-15', 'P1M', 'calendar', CST)).toBe('2026-01-01T00:00:00+08:00');
  });

  it('splits a month into halves: the 1st to the 15th, and the 16th to its end', () => {
    expect(periodEnd('2025-03-01', 'P15D', 'calendar', CST)).toBe('2025-03-16T00:00:00+08:00');
    expect(periodEnd('2025-03-15T23:59:59+08:00', 'P15D', 'calendar', CST)).toBe('2025-03-16T00:00:00+08:00');
    expect(periodEnd('2025-03-16', 'P15D', 'calendar', CST)).toBe('2025-04-01T00:00:00+08:00');
    expect(periodEnd('2024-02-16', 'P15D', 'calendar', CST)).toBe('2024-03-01T00:00:00+08:00');
  });

  it('runs weeks from Monday to Sunday', () => {
    expect(periodEnd('2025-03-06', 'P1W', 'calendar', CST)).toBe('2025-03-10T00:00:00+08:00'); // Thursday → Monday
    expect(periodEnd('2025-03-10', 'P1W', 'calendar', CST)).toBe('2025-03-17T00:00:00+08:00'); // Monday → next Monday
    expect(periodEnd('2025-03-09T23:00:00+08:00', 'P1W', 'calendar', CST)).toBe('2025-03-10T00:00:00+08:00'); // Sunday night
  });

  it('counts in China Standard Time, not UTC', () => {
    // 31 March 20:00 UTC is already 1 April in Beijing, so that month ends on 1 May.
    expect(periodEnd('2025-03-31T20:00:00Z', 'P1M', 'calendar', CST)).toBe('2025-05-01T00:00:00+08:00');
  });

  it('knows days, quarters and years too, and nothing else', () => {
    expect(periodEnd('2025-03-06T10:00:00+08:00', 'P1D', 'calendar', CST)).toBe('2025-03-07T00:00:00+08:00');
    expect(periodEnd('2025-05-20', 'P3M', 'calendar', CST)).toBe('2025-07-01T00:00:00+08:00');
    expect(periodEnd('2025-05-20', 'P1Y', 'calendar', CST)).toBe('2026-01-01T00:00:00+08:00');
    expect(periodEnd('2025-05-20', 'P2W', 'calendar', CST)).toBeUndefined();
  });

  it('tells whether an instant is where a calendar period begins (to mark shortened first periods)', () => {
    expect(isCalendarBoundary('2025-04-01T00:00:00+08:00', 'P1M', CST)).toBe(true);
    expect(isCalendarBoundary('2025-03-06T10:00:00+08:00', 'P1M', CST)).toBe(false);
    expect(isCalendarBoundary('2025-03-16', 'P15D', CST)).toBe(true);
    expect(isCalendarBoundary('2025-03-10', 'P1W', CST)).toBe(true);
    expect(isCalendarBoundary('2025-03-11', 'P1W', CST)).toBe(false);
    expect(isCalendarBoundary('2025-04-01', 'P3M', CST)).toBe(true);
    expect(isCalendarBoundary('2025-05-01', 'P3M', CST)).toBe(false);
  });
});

describe('rolling periods', () => {
  it('adds the duration to the start, clamping month arithmetic to the month end', () => {
    expect(periodEnd('2025-03-06T10:00:00+08:00', 'P1M', 'rolling', CST)).toBe('2025-04-06T10:00:00+08:00');
    expect(periodEnd('2025-01-31', 'P1M', 'rolling', CST)).toBe('2025-02-28T00:00:00+08:00');
    expect(periodEnd('2024-01-31', 'P1M', 'rolling', CST)).toBe('2024-02-29T00:00:00+08:00');
    expect(periodEnd('2025-11-30', 'P3M', 'rolling', CST)).toBe('2026-02-28T00:00:00+08:00');
    expect(periodEnd('2025-03-06', 'P15D', 'rolling', CST)).toBe('2025-03-21T00:00:00+08:00');
    expect(periodEnd('2025-03-06', 'P1W', 'rolling', CST)).toBe('2025-03-13T00:00:00+08:00');
    expect(periodEnd('2025-03-06T10:00:00+08:00', 'PT12H', 'rolling', CST)).toBe('2025-03-06T22:00:00+08:00');
  });

  it('gives nothing for an unreadable start or duration', () => {
    expect(periodEnd('soon', 'P1M', 'rolling', CST)).toBeUndefined();
    expect(periodEnd('2025-03-06', 'monthly', 'rolling', CST)).toBeUndefined();
  });
});
