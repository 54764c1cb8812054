import { z } from 'zod';
import { API_VERSION, IsoDate, LocalizedText, Metadata } from '../schema/common.schema.js';
import { isCivilDate, WEEKDAYS } from './business-calendar.js';

/**
 * The Calendar kind: one year of one jurisdiction's working days, transcribed from the notice
 * that fixes them (in China, the State Council's yearly 部分节假日安排 notice). Holidays are
 * days off; make-up workdays (调休) are weekend days that are worked. Every other day is a
 * workday unless it is a weekend day. Cross-field checks (dates inside the year, ranges in order,
 * no overlaps) are the semantic rules in calendar.rules.ts.
 */

/**
 * A date written YYYY-MM-DD that exists: 2026-02-30 passes the pattern but not this. A value that
 * fails the pattern already has its message, so only pattern-valid values are judged here.
 */
export const CalendarDate = IsoDate.refine((value) => !IsoDate.safeParse(value).success || isCivilDate(value), {
  message: 'is not a real date (check the day of the month)',
});

export const Weekday = z.enum(WEEKDAYS);

/** Days off in a row, both ends included: the holiday itself and the days moved next to it. */
export const HolidayRange = z
  .object({
    name: LocalizedText,
    from: CalendarDate,
    to: CalendarDate,
  })
  .strict();

/** A weekend day that is worked, to make up for a weekday given off around a holiday. */
export const MakeUpWorkday = z
  .object({
    date: CalendarDate,
    /** The holiday this day makes up for, as the notice names it. */
    for: LocalizedText,
  })
  .strict();

export const CalendarSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Calendar'),
    metadata: Metadata,
    /** The one year whose days this calendar decides; a business calendar refuses dates of years no file covers. */
    year: z.int().min(1).max(9999),
    /** Days of the week that are not worked unless listed as make-up workdays. */
    weekend: z
      .array(Weekday)
      .min(1, 'must name at least one day, e.g. [saturday, sunday]')
      .max(6, 'must leave at least one working day in the week')
      .refine((days) => new Set(days).size === days.length, { message: 'must not name a day twice' }),
    holidays: z.array(HolidayRange),
    makeUpWorkdays: z.array(MakeUpWorkday),
  })
  .strict();

export type CalendarDefinition = z.infer<typeof CalendarSchema>;
export type HolidayRangeT = z.infer<typeof HolidayRange>;
export type MakeUpWorkdayT = z.infer<typeof MakeUpWorkday>;
