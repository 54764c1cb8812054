/**
 * Small, valid definition texts built in code, so tests of the registry, the API and the CLI do not
 * depend on the shipped definitions under definitions/, which change with policy.
 */

export interface HolidaySpec {
  readonly zh: string;
  readonly en: string;
  readonly from: string;
  readonly to: string;
}

export interface CalendarSpec {
  /** Must end with `-<year>` (rule PF-CAL-KEY); default `test-<year>`. */
  readonly key?: string;
  readonly year?: number;
  /** metadata.jurisdiction.code; omitted: the calendar belongs to no jurisdiction. */
  readonly jurisdiction?: string;
  readonly titleEn?: string;
  readonly holidays?: readonly HolidaySpec[];
}

export const NEW_YEAR_2026: HolidaySpec = { zh: '元旦', en: "New Year's Day", from: '2026-01-01', to: '2026-01-03' };

/** A minimal valid Calendar definition as YAML text. */
export function calendarDefinition(spec: CalendarSpec = {}): string {
  const year = spec.year ?? 2026;
  const holidays = spec.holidays ?? [NEW_YEAR_2026];
  return [
    'apiVersion: procureflow.gov.cn/v1',
    'kind: Calendar',
    'metadata:',
    `  key: ${spec.key ?? `test-${year}`}`,
    `  title: { zh: 测试日历, en: ${JSON.stringify(spec.titleEn ?? `Test calendar ${year}`)} }`,
    ...(spec.jurisdiction ? [`  jurisdiction: { code: ${spec.jurisdiction}, name: ${spec.jurisdiction} }`] : []),
    '  sources:',
    '    - document: 测试用通知',
    '      section: 全文',
    `year: ${year}`,
    'weekend: [saturday, sunday]',
    ...(holidays.length === 0
      ? ['holidays: []']
      : ['holidays:', ...holidays.flatMap((h) => [`  - name: { zh: ${h.zh}, en: ${JSON.stringify(h.en)} }`, `    from: ${h.from}`, `    to: ${h.to}`])]),
    'makeUpWorkdays: []',
    '',
  ].join('\n');
}

/**
 * A Calendar whose one holiday ends before it starts: rule PF-CAL-RANGE reports it at line 12,
 * column 9 (the value of `to`), path `holidays[0].to`.
 */
export const REVERSED_HOLIDAY_CALENDAR = [
  'apiVersion: procureflow.gov.cn/v1', //  1
  'kind: Calendar', //                     2
  'metadata:', //                          3
  '  key: broken-2026', //                 4
  '  title: { zh: 坏日历, en: Broken }', // 5
  '  sources: [{ document: 测试, section: 全文 }]', // 6
  'year: 2026', //                         7
  'weekend: [saturday, sunday]', //        8
  'holidays:', //                          9
  '  - name: { zh: 元旦, en: NY }', //    10
  '    from: 2026-01-03', //              11
  '    to: 2026-01-01', //                12: the value starts at column 9
  'makeUpWorkdays: []', //                13
  '',
].join('\n');
