import { withoutQuotedValues } from '../../../activities/procurement-projections.js';

/** What a projection's failure may say about PostgreSQL's error: the rule, never the values. */
describe('withoutQuotedValues', () => {
  it('keeps the identifiers PostgreSQL names', () => {
    expect(withoutQuotedValues('null value in column "comment" of relation "tasks" violates not-null constraint', ['tasks', 'comment'])).toBe(
      'null value in column "comment" of relation "tasks" violates not-null constraint',
    );
  });

  it('drops everything from the first quoted value on, even a value that holds quotes itself', () => {
    expect(withoutQuotedValues('invalid input syntax for type integer: "12a"', ['integer'])).toBe('invalid input syntax for type integer: "…"');
    expect(withoutQuotedValues('refused (row "{"name":"张三","id":"330521199001011234"}")', ['tasks'])).toBe('refused (row "…"');
    expect(withoutQuotedValues('value "张三" is out of range for type "integer"', ['integer'])).toBe('value "…"');
  });

  it('keeps one line of bounded length', () => {
    expect(withoutQuotedValues('first line\nsecond line', [])).toBe('first line');
    const long = withoutQuotedValues('x'.repeat(1000), []);
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });
});
