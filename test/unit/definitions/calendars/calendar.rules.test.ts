import { calendarRules } from '../../../../src/definitions/calendars/calendar.rules.js';
import { CalendarSchema } from '../../../../src/definitions/calendars/calendar.schema.js';
import type { Diagnostic } from '../../../../src/definitions/diagnostics.js';
import { runRules } from '../../../../src/definitions/rules/rule.js';
import { parseYamlSource } from '../../../../src/definitions/source/yaml-source.js';

/**
 * Each fixture is written one argument per line, so the N-th argument is line N of the file and
 * the expected line and column of every diagnostic can be read off the test itself.
 */
function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

function check(text: string): Diagnostic[] {
  const { source, diagnostics } = parseYamlSource(text, 'definitions/calendars/broken.yaml');
  expect(diagnostics).toEqual([]);
  const definition = CalendarSchema.parse(source.data);
  return runRules(calendarRules, definition, source);
}

const header = [
  'apiVersion: procureflow.gov.cn/v1', // 1
  'kind: Calendar', // 2
  'metadata:', // 3
  '  key: cn-2026', // 4
  '  title: { zh: 测试日历, en: Test calendar }', // 5
  '  sources:', // 6
  '    - document: 测试通知', // 7
  '      section: 全文', // 8
  'year: 2026', // 9
  'weekend: [saturday, sunday]', // 10
];

describe('calendarRules', () => {
  it('has a distinct id and a description for every rule', () => {
    const ids = calendarRules.map((rule) => rule.id);
    expect(ids.sort()).toEqual(['PF-CAL-KEY', 'PF-CAL-OVERLAP', 'PF-CAL-RANGE', 'PF-CAL-WEEKEND', 'PF-CAL-YEAR']);
    for (const rule of calendarRules) expect(rule.description).toMatch(/\.$/);
  });

  it('accepts a consistent calendar', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      "  - name: { zh: 元旦, en: New Year's Day }", // 12
      '    from: 2026-01-01', // 13
      '    to: 2026-01-03', // 14
      'makeUpWorkdays:', // 15
      '  - date: 2026-01-04', // 16
      "    for: { zh: 元旦, en: New Year's Day }", // 17
    );
    expect(check(text)).toEqual([]);
  });

  it('PF-CAL-KEY: reports a key that does not end with the year, at the key', () => {
    const text = lines(
      'apiVersion: procureflow.gov.cn/v1', // 1
      'kind: Calendar', // 2
      'metadata:', // 3
      '  key: cn-2025', // 4
      '  title: { zh: 测试日历, en: Test calendar }', // 5
      '  sources:', // 6
      '    - document: 测试通知', // 7
      '      section: 全文', // 8
      'year: 2026', // 9
      'weekend: [saturday, sunday]', // 10
      'holidays: []', // 11
      'makeUpWorkdays: []', // 12
    );
    expect(check(text)).toEqual([
      {
        ruleId: 'PF-CAL-KEY',
        file: 'definitions/calendars/broken.yaml',
        line: 4,
        column: 8,
        path: 'metadata.key',
        severity: 'error',
        message: 'the key "cn-2025" does not end with "-2026", the year this calendar covers: name it "cn-2026" (and its file cn-2026.yaml), or correct "year"',
      },
    ]);
  });

  it('PF-CAL-YEAR: reports holiday ends and make-up workdays outside the year, at the date', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      "  - name: { zh: 元旦, en: New Year's Day }", // 12
      '    from: 2026-01-01', // 13
      '    to: 2026-01-03', // 14
      '  - name: { zh: 春节, en: Spring Festival }', // 15
      '    from: 2026-02-15', // 16
      '    to: 2026-02-23', // 17
      '  - name: { zh: 跨年假期, en: Year-end break }', // 18
      '    from: 2026-12-31', // 19
      '    to: 2027-01-02', // 20
      'makeUpWorkdays:', // 21
      '  - date: 2025-12-27', // 22
      "    for: { zh: 元旦, en: New Year's Day }", // 23
    );
    const diagnostics = check(text);
    expect(diagnostics.map(({ ruleId, line, column, path }) => ({ ruleId, line, column, path }))).toEqual([
      { ruleId: 'PF-CAL-YEAR', line: 20, column: 9, path: 'holidays[2].to' },
      { ruleId: 'PF-CAL-YEAR', line: 22, column: 11, path: 'makeUpWorkdays[0].date' },
    ]);
    expect(diagnostics[0]?.message).toBe(
      'the holiday 跨年假期 ends on 2027-01-02, which is not in 2026, the year this calendar covers: correct the date, or move the day to cn-2027.yaml',
    );
    expect(diagnostics[1]?.message).toBe(
      'the make-up workday 2025-12-27 is not in 2026, the year this calendar covers: correct the date, or move the day to cn-2025.yaml',
    );
  });

  it('PF-CAL-RANGE: reports a holiday that ends before it starts, at its end', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      '  - name: { zh: 春节, en: Spring Festival }', // 12
      '    from: 2026-02-23', // 13
      '    to: 2026-02-15', // 14
      'makeUpWorkdays: []', // 15
    );
    expect(check(text)).toEqual([
      expect.objectContaining({
        ruleId: 'PF-CAL-RANGE',
        line: 14,
        column: 9,
        path: 'holidays[0].to',
        message: 'the holiday 春节 ends on 2026-02-15, before it starts on 2026-02-23: "to" must be the last day off, on or after "from"',
      }),
    ]);
  });

  it('PF-CAL-OVERLAP: reports overlapping holidays at the later one, naming both and the first shared day', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      "  - name: { zh: 元旦, en: New Year's Day }", // 12
      '    from: 2026-01-01', // 13
      '    to: 2026-01-03', // 14
      '  - name: { zh: 补休, en: Extra day off }', // 15
      '    from: 2026-01-03', // 16
      '    to: 2026-01-05', // 17
      'makeUpWorkdays: []', // 18
    );
    expect(check(text)).toEqual([
      expect.objectContaining({
        ruleId: 'PF-CAL-OVERLAP',
        line: 16,
        column: 11,
        path: 'holidays[1].from',
        message:
          'the holiday 补休 (2026-01-03 to 2026-01-05) overlaps the holiday 元旦 (2026-01-01 to 2026-01-03) from 2026-01-03: merge them into one entry or correct the dates',
      }),
    ]);
  });

  it('PF-CAL-OVERLAP: reports a make-up workday inside a holiday, and one listed twice, at the date', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      '  - name: { zh: 春节, en: Spring Festival }', // 12
      '    from: 2026-02-15', // 13
      '    to: 2026-02-23', // 14
      'makeUpWorkdays:', // 15
      '  - date: 2026-02-14', // 16
      '    for: { zh: 春节, en: Spring Festival }', // 17
      '  - date: 2026-02-22', // 18
      '    for: { zh: 春节, en: Spring Festival }', // 19
      '  - date: 2026-02-14', // 20
      '    for: { zh: 春节, en: Spring Festival }', // 21
    );
    expect(check(text)).toEqual([
      expect.objectContaining({
        ruleId: 'PF-CAL-OVERLAP',
        line: 18,
        column: 11,
        path: 'makeUpWorkdays[1].date',
        message:
          '2026-02-22 is listed as a make-up workday but is also a day off of the holiday 春节 (2026-02-15 to 2026-02-23): a day is either worked or off, so correct one of the two',
      }),
      expect.objectContaining({
        ruleId: 'PF-CAL-OVERLAP',
        line: 20,
        column: 11,
        path: 'makeUpWorkdays[2].date',
        message: 'the make-up workday 2026-02-14 is listed twice (see entry 1): remove one of them',
      }),
    ]);
  });

  it('PF-CAL-OVERLAP: leaves a reversed range to PF-CAL-RANGE instead of reporting it twice', () => {
    const text = lines(
      ...header,
      'holidays:', // 11
      '  - name: { zh: 春节, en: Spring Festival }', // 12
      '    from: 2026-02-23', // 13
      '    to: 2026-02-15', // 14
      'makeUpWorkdays:', // 15
      '  - date: 2026-02-21', // 16
      '    for: { zh: 春节, en: Spring Festival }', // 17
    );
    expect(check(text).map((diagnostic) => diagnostic.ruleId)).toEqual(['PF-CAL-RANGE']);
  });

  it('PF-CAL-WEEKEND: reports a make-up workday on a weekday, at the date, naming the weekday', () => {
    const text = lines(
      ...header,
      'holidays: []', // 11
      'makeUpWorkdays:', // 12
      '  - date: 2026-02-14', // 13
      '    for: { zh: 春节, en: Spring Festival }', // 14
      '  - date: 2026-02-13', // 15
      '    for: { zh: 春节, en: Spring Festival }', // 16
    );
    expect(check(text)).toEqual([
      expect.objectContaining({
        ruleId: 'PF-CAL-WEEKEND',
        line: 15,
        column: 11,
        path: 'makeUpWorkdays[1].date',
        message:
          'the make-up workday 2026-02-13 is a friday, which is a workday anyway: a make-up workday must fall on a weekend day (saturday or sunday); check the date against the notice',
      }),
    ]);
  });

  it('PF-CAL-WEEKEND: judges weekend days by the calendar’s own weekend', () => {
    const text = lines(
      'apiVersion: procureflow.gov.cn/v1', // 1
      'kind: Calendar', // 2
      'metadata:', // 3
      '  key: cn-2026', // 4
      '  title: { zh: 测试日历, en: Test calendar }', // 5
      '  sources:', // 6
      '    - document: 测试通知', // 7
      '      section: 全文', // 8
      'year: 2026', // 9
      'weekend: [sunday]', // 10
      'holidays: []', // 11
      'makeUpWorkdays:', // 12
      '  - date: 2026-02-14', // 13
      '    for: { zh: 春节, en: Spring Festival }', // 14
    );
    expect(check(text)).toEqual([expect.objectContaining({ ruleId: 'PF-CAL-WEEKEND', line: 13, column: 11, path: 'makeUpWorkdays[0].date' })]);
    expect(check(text)[0]?.message).toContain('2026-02-14 is a saturday');
  });

  it('reports every problem of a file, each under its own rule', () => {
    const text = lines(
      'apiVersion: procureflow.gov.cn/v1', // 1
      'kind: Calendar', // 2
      'metadata:', // 3
      '  key: cn-2027', // 4
      '  title: { zh: 测试日历, en: Test calendar }', // 5
      '  sources:', // 6
      '    - document: 测试通知', // 7
      '      section: 全文', // 8
      'year: 2026', // 9
      'weekend: [saturday, sunday]', // 10
      'holidays:', // 11
      '  - name: { zh: 国庆节, en: National Day }', // 12
      '    from: 2026-10-07', // 13
      '    to: 2026-10-01', // 14
      'makeUpWorkdays:', // 15
      '  - date: 2026-10-09', // 16
      '    for: { zh: 国庆节, en: National Day }', // 17
    );
    expect(check(text).map(({ ruleId, line, column }) => `${line}:${column} ${ruleId}`)).toEqual([
      '4:8 PF-CAL-KEY',
      '14:9 PF-CAL-RANGE',
      '16:11 PF-CAL-WEEKEND',
    ]);
  });
});
