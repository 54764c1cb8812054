import type { SemanticRule } from '../rules/rule.js';
import { weekdayOf } from './business-calendar.js';
import type { CalendarDefinition } from './calendar.schema.js';

/**
 * Semantic rules of the Calendar kind. They run on schema-valid definitions, so every date is a
 * real YYYY-MM-DD date; such strings order the same way as the dates they name, which is why the
 * comparisons below are plain string comparisons.
 */

/** The file a date of another year belongs in, named after this calendar's series when its key allows. */
function fileForYear(definition: CalendarDefinition, year: string): string {
  const suffix = `-${definition.year}`;
  const key = definition.metadata.key;
  return key.endsWith(suffix) ? `${key.slice(0, -suffix.length)}-${year}.yaml` : `the calendar file for ${year}`;
}

function holidayLabel(holiday: CalendarDefinition['holidays'][number]): string {
  return `${holiday.name.zh} (${holiday.from} to ${holiday.to})`;
}

const yearRule: SemanticRule<CalendarDefinition> = {
  id: 'PF-CAL-YEAR',
  description: 'Every holiday and make-up workday falls in the year the calendar covers.',
  check({ definition, report }) {
    const year = String(definition.year).padStart(4, '0');
    const check = (date: string, path: Array<string | number>, subject: string) => {
      const dateYear = date.slice(0, 4);
      if (dateYear === year) return;
      report(
        path,
        `${subject} is not in ${year}, the year this calendar covers: correct the date, or move the day to ${fileForYear(definition, dateYear)}`,
      );
    };
    definition.holidays.forEach((holiday, index) => {
      check(holiday.from, ['holidays', index, 'from'], `the holiday ${holiday.name.zh} starts on ${holiday.from}, which`);
      check(holiday.to, ['holidays', index, 'to'], `the holiday ${holiday.name.zh} ends on ${holiday.to}, which`);
    });
    definition.makeUpWorkdays.forEach((workday, index) => {
      check(workday.date, ['makeUpWorkdays', index, 'date'], `the make-up workday ${workday.date}`);
    });
  },
};

const rangeRule: SemanticRule<CalendarDefinition> = {
  id: 'PF-CAL-RANGE',
  description: 'A holiday ends ("to") on or after the day it starts ("from").',
  check({ definition, report }) {
    definition.holidays.forEach((holiday, index) => {
      if (holiday.to >= holiday.from) return;
      report(
        ['holidays', index, 'to'],
        `the holiday ${holiday.name.zh} ends on ${holiday.to}, before it starts on ${holiday.from}: "to" must be the last day off, on or after "from"`,
      );
    });
  },
};

const overlapRule: SemanticRule<CalendarDefinition> = {
  id: 'PF-CAL-OVERLAP',
  description: 'Holidays do not overlap, no day is both a holiday and a make-up workday, and no make-up workday is listed twice.',
  check({ definition, report }) {
    // A reversed range is PF-CAL-RANGE's to report; it covers no day, so it overlaps nothing.
    const ranges = definition.holidays.map((holiday, index) => ({ holiday, index })).filter(({ holiday }) => holiday.from <= holiday.to);

    for (const [position, later] of ranges.entries()) {
      for (const earlier of ranges.slice(0, position)) {
        if (later.holiday.from > earlier.holiday.to || earlier.holiday.from > later.holiday.to) continue;
        const firstShared = later.holiday.from > earlier.holiday.from ? later.holiday.from : earlier.holiday.from;
        report(
          ['holidays', later.index, 'from'],
          `the holiday ${holidayLabel(later.holiday)} overlaps the holiday ${holidayLabel(earlier.holiday)} from ${firstShared}: merge them into one entry or correct the dates`,
        );
      }
    }

    const seen = new Map<string, number>();
    definition.makeUpWorkdays.forEach((workday, index) => {
      const clash = ranges.find(({ holiday }) => holiday.from <= workday.date && workday.date <= holiday.to);
      if (clash) {
        report(
          ['makeUpWorkdays', index, 'date'],
          `${workday.date} is listed as a make-up workday but is also a day off of the holiday ${holidayLabel(clash.holiday)}: a day is either worked or off, so correct one of the two`,
        );
      }
      const first = seen.get(workday.date);
      if (first !== undefined) {
        report(['makeUpWorkdays', index, 'date'], `the make-up workday ${workday.date} is listed twice (see entry ${first + 1}): remove one of them`);
      } else {
        seen.set(workday.date, index);
      }
    });
  },
};

const weekendRule: SemanticRule<CalendarDefinition> = {
  id: 'PF-CAL-WEEKEND',
  description: 'A make-up workday falls on a weekend day: weekdays are workdays already.',
  check({ definition, report }) {
    const weekend = new Set<string>(definition.weekend);
    definition.makeUpWorkdays.forEach((workday, index) => {
      const weekday = weekdayOf(workday.date);
      if (weekend.has(weekday)) return;
      report(
        ['makeUpWorkdays', index, 'date'],
        `the make-up workday ${workday.date} is a ${weekday}, which is a workday anyway: a make-up workday must fall on a weekend day (${definition.weekend.join(' or ')}); check the date against the notice`,
      );
    });
  },
};

const keyRule: SemanticRule<CalendarDefinition> = {
  id: 'PF-CAL-KEY',
  description: 'The key of a calendar ends with its year, e.g. "cn-2026", so that the file for a missing year can be named.',
  check({ definition, report }) {
    const suffix = `-${definition.year}`;
    const key = definition.metadata.key;
    if (key.endsWith(suffix)) return;
    const series = key.replace(/-\d{4}$/, '');
    report(
      ['metadata', 'key'],
      `the key "${key}" does not end with "${suffix}", the year this calendar covers: name it "${series}${suffix}" (and its file ${series}${suffix}.yaml), or correct "year"`,
    );
  },
};

/** Every semantic rule of the Calendar kind, in the order their problems are usually fixed. */
export const calendarRules: SemanticRule<CalendarDefinition>[] = [keyRule, yearRule, rangeRule, overlapRule, weekendRule];
