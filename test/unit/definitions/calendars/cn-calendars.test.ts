import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../../src/config/project-root.js';
import { weekdayOf } from '../../../../src/definitions/calendars/business-calendar.js';
import { calendarRules } from '../../../../src/definitions/calendars/calendar.rules.js';
import { CalendarSchema } from '../../../../src/definitions/calendars/calendar.schema.js';
import { runRules } from '../../../../src/definitions/rules/rule.js';
import { parseYamlSource } from '../../../../src/definitions/source/yaml-source.js';

const CALENDAR_DIR = path.join(PROJECT_ROOT, 'definitions/calendars');

function load(file: string) {
  const { source, diagnostics } = parseYamlSource(readFileSync(path.join(CALENDAR_DIR, file), 'utf8'), `definitions/calendars/${file}`);
  const definition = CalendarSchema.parse(source.data);
  return { definition, diagnostics: [...diagnostics, ...runRules(calendarRules, definition, source)] };
}

describe('shipped calendars', () => {
  const files = readdirSync(CALENDAR_DIR).filter((file) => file.endsWith('.yaml'));

  it.each(files)('%s passes the schema and every rule, and is named after its key', (file) => {
    const { definition, diagnostics } = load(file);
    expect(diagnostics).toEqual([]);
    expect(file).toBe(`${definition.metadata.key}.yaml`);
  });
});

/**
 * The 2026 notice (国办发明电〔2025〕7号) item by item: dates, the weekdays the notice prints next
 * to them and its day counts. The weekdays are independent of the dates as transcribed, so a
 * mistyped date shows up here as a wrong weekday.
 */
const NOTICE_2026 = [
  { zh: '元旦', from: ['2026-01-01', 'thursday'], to: ['2026-01-03', 'saturday'], total: 3, work: [['2026-01-04', 'sunday']] },
  {
    zh: '春节',
    from: ['2026-02-15', 'sunday'],
    to: ['2026-02-23', 'monday'],
    total: 9,
    work: [
      ['2026-02-14', 'saturday'],
      ['2026-02-28', 'saturday'],
    ],
  },
  { zh: '清明节', from: ['2026-04-04', 'saturday'], to: ['2026-04-06', 'monday'], total: 3, work: [] },
  { zh: '劳动节', from: ['2026-05-01', 'friday'], to: ['2026-05-05', 'tuesday'], total: 5, work: [['2026-05-09', 'saturday']] },
  { zh: '端午节', from: ['2026-06-19', 'friday'], to: ['2026-06-21', 'sunday'], total: 3, work: [] },
  { zh: '中秋节', from: ['2026-09-25', 'friday'], to: ['2026-09-27', 'sunday'], total: 3, work: [] },
  {
    zh: '国庆节',
    from: ['2026-10-01', 'thursday'],
    to: ['2026-10-07', 'wednesday'],
    total: 7,
    work: [
      ['2026-09-20', 'sunday'],
      ['2026-10-10', 'saturday'],
    ],
  },
] as const;

describe('cn-2026.yaml', () => {
  const { definition } = load('cn-2026.yaml');

  it('cites the State Council notice', () => {
    expect(definition.metadata.sources[0]?.document).toBe('国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）');
    expect(definition.year).toBe(2026);
    expect(definition.weekend).toEqual(['saturday', 'sunday']);
  });

  it('holds exactly the seven holidays of the notice, with the notice’s weekdays and day counts', () => {
    expect(definition.holidays.map((holiday) => holiday.name.zh)).toEqual(NOTICE_2026.map((item) => item.zh));
    for (const [index, item] of NOTICE_2026.entries()) {
      const holiday = definition.holidays[index];
      expect({ zh: holiday?.name.zh, from: holiday?.from, to: holiday?.to }).toEqual({ zh: item.zh, from: item.from[0], to: item.to[0] });
      expect([weekdayOf(item.from[0]), weekdayOf(item.to[0])]).toEqual([item.from[1], item.to[1]]);
      const days = (Date.parse(`${item.to[0]}T00:00:00Z`) - Date.parse(`${item.from[0]}T00:00:00Z`)) / 86_400_000 + 1;
      expect([item.zh, days]).toEqual([item.zh, item.total]);
    }
  });

  it('holds exactly the six make-up workdays of the notice, each for its holiday and on the weekday the notice says', () => {
    const expected = NOTICE_2026.flatMap((item) => item.work.map(([date, weekday]) => ({ date, weekday, for: item.zh })));
    const actual = definition.makeUpWorkdays.map((workday) => ({ date: workday.date, weekday: weekdayOf(workday.date), for: workday.for.zh }));
    expect(actual).toEqual(expected);
    expect(actual).toHaveLength(6);
  });
});
