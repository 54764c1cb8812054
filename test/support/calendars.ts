import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../src/definitions/compiler.js';

/**
 * The business calendars for tests on a real clock (the dev server's time cannot be moved): the shipped
 * calendar of this year and of the next, and where none is shipped yet, a stand-in marked as test data
 * (weekends off, no holidays), so that a deadline falling after New Year is computed rather than becoming
 * an incident — whatever day the tests run. Scenario tests pin their clock instead (pinned-time.ts).
 */
export function calendarFilesAround(now = new Date()): Array<{ file: string; text: string }> {
  const year = now.getUTCFullYear();
  return [year, year + 1].map((y) => {
    const shipped = path.join(PROJECT_ROOT, 'definitions', 'calendars', `cn-${y}.yaml`);
    return { file: `cn-${y}.yaml`, text: existsSync(shipped) ? readFileSync(shipped, 'utf8') : standInCalendar(y) };
  });
}

/** The same calendars as definitions, for planning decisions the way the engine will. */
export function calendarsAround(now = new Date()): CalendarDefinition[] {
  return calendarFilesAround(now).map(({ file, text }) => {
    const result = compileDefinition(text, file);
    if (!result.ok) throw new Error(`the calendar ${file} does not compile`);
    return JSON.parse(JSON.stringify(result.compiled.definition)) as CalendarDefinition;
  });
}

function standInCalendar(year: number): string {
  return `apiVersion: procureflow.gov.cn/v1
kind: Calendar
metadata:
  key: cn-${year}
  title: { zh: 测试数据：${year}年（仅双休日）, en: "Test data: ${year}, weekends only" }
  jurisdiction: { code: cn, name: 中华人民共和国 }
  sources:
    - document: 测试数据
      section: 全年
      note: Test data for tests on a real clock, until the State Council's arrangement for ${year} is shipped.
year: ${year}
weekend: [saturday, sunday]
holidays: []
makeUpWorkdays: []
`;
}
