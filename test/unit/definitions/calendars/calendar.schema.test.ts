import { z } from 'zod';
import { CalendarSchema } from '../../../../src/definitions/calendars/calendar.schema.js';

const valid = {
  apiVersion: 'procureflow.gov.cn/v1',
  kind: 'Calendar',
  metadata: { key: 'cn-2026', title: { zh: '测试日历', en: 'Test calendar' }, sources: [{ document: '测试通知', section: '全文' }] },
  year: 2026,
  weekend: ['saturday', 'sunday'],
  holidays: [{ name: { zh: '元旦', en: "New Year's Day" }, from: '2026-01-01', to: '2026-01-03' }],
  makeUpWorkdays: [{ date: '2026-01-04', for: { zh: '元旦', en: "New Year's Day" } }],
};

/** The issues zod reports for `value`, as `path: message` lines. */
function problems(value: unknown): string[] {
  const result = CalendarSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('CalendarSchema', () => {
  it('accepts a well-formed calendar', () => {
    expect(problems(valid)).toEqual([]);
  });

  it('rejects unknown keys everywhere', () => {
    expect(problems({ ...valid, timezone: 'Asia/Shanghai' })).toEqual([expect.stringMatching(/^: Unrecognized key: "timezone"/)]);
    expect(problems({ ...valid, holidays: [{ ...valid.holidays[0], paid: true }] })).toEqual([expect.stringMatching(/^holidays\.0: Unrecognized key: "paid"/)]);
    expect(problems({ ...valid, makeUpWorkdays: [{ ...valid.makeUpWorkdays[0], note: 'x' }] })).toEqual([
      expect.stringMatching(/^makeUpWorkdays\.0: Unrecognized key: "note"/),
    ]);
  });

  it('requires the Calendar kind, the current apiVersion and every section', () => {
    expect(problems({ ...valid, kind: 'Procedure' })).toEqual([expect.stringMatching(/^kind: /)]);
    expect(problems({ ...valid, apiVersion: 'procureflow.gov.cn/v2' })).toEqual([expect.stringMatching(/^apiVersion: /)]);
    const { makeUpWorkdays: _omitted, ...withoutMakeUps } = valid;
    expect(problems(withoutMakeUps)).toEqual([expect.stringMatching(/^makeUpWorkdays: /)]);
  });

  it('rejects dates that are malformed or do not exist', () => {
    expect(problems({ ...valid, holidays: [{ ...valid.holidays[0], to: '2026-02-30' }] })).toEqual([
      'holidays.0.to: is not a real date (check the day of the month)',
    ]);
    expect(problems({ ...valid, makeUpWorkdays: [{ ...valid.makeUpWorkdays[0], date: '2026/01/04' }] })).toEqual([
      'makeUpWorkdays.0.date: must be a date written YYYY-MM-DD',
    ]);
  });

  it('requires a sensible weekend: known day names, none twice, at least one workday left', () => {
    expect(problems({ ...valid, weekend: ['saturday', 'funday'] })).toEqual([expect.stringMatching(/^weekend\.1: /)]);
    expect(problems({ ...valid, weekend: ['saturday', 'saturday'] })).toEqual(['weekend: must not name a day twice']);
    expect(problems({ ...valid, weekend: [] })).toEqual(['weekend: must name at least one day, e.g. [saturday, sunday]']);
    expect(problems({ ...valid, weekend: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] })).toEqual([
      'weekend: must leave at least one working day in the week',
    ]);
  });

  it('requires a whole four-digit year', () => {
    expect(problems({ ...valid, year: 2026.5 })).toEqual([expect.stringMatching(/^year: /)]);
    expect(problems({ ...valid, year: '2026' })).toEqual([expect.stringMatching(/^year: /)]);
  });

  it('converts to JSON Schema, so editors can check calendar files too', () => {
    const jsonSchema = z.toJSONSchema(CalendarSchema) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(jsonSchema.properties).sort()).toEqual(['apiVersion', 'holidays', 'kind', 'makeUpWorkdays', 'metadata', 'weekend', 'year']);
    expect(jsonSchema.additionalProperties).toBe(false);
  });
});
