import fc from 'fast-check';
import { unsafeValues } from '../../../apps/api/src/common/edge-validation.pipe.js';
import { isInstant } from '../../../apps/api/src/common/request-validators.js';
import { textPattern, textProblem } from '../../../apps/api/src/common/safe-text.js';

describe('text the API takes in', () => {
  it('refuses NUL, the other C0 and C1 controls and DEL, saying which and where', () => {
    expect(textProblem('a\u0000b', true)).toBe('must not contain control characters, but character 2 is the control character U+0000');
    expect(textProblem('审核\u001b[31m', true)).toBe('must not contain control characters, but character 3 is the control character U+001B');
    expect(textProblem('x\u007f', true)).toContain('character 2 is the control character U+007F');
    expect(textProblem('x\u0085', true)).toContain('U+0085');
    // Noncharacters are stored faithfully by PostgreSQL and JSON alike.
    expect(textProblem('x\uffff\ufffe', false)).toBeUndefined();
  });

  it('refuses the bidirectional embeddings, overrides and isolates, and takes the marks and the zero-width joiner', () => {
    expect(textProblem('invoice\u202Egnp.exe', false)).toBe(
      'must not contain bidirectional formatting characters, which can make text display as other text, but character 8 is U+202E (right-to-left override)',
    );
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      expect(textProblem(`x${String.fromCharCode(code)}`, true)).toContain(`character 2 is U+${code.toString(16).toUpperCase()}`);
    }
    expect(textProblem('👩\u200D💻 \u200E\u200F', false)).toBeUndefined();
  });

  it('refuses half a surrogate pair and takes whole pairs (characters beyond the BMP)', () => {
    expect(textProblem('a\ud800b', true)).toBe('must be Unicode text, but character 2 is half of a surrogate pair (U+D800) without its other half');
    expect(textProblem('\udc00', true)).toContain('U+DC00');
    expect(textProblem('𠮷野家 😀', false)).toBeUndefined();
    // Positions count characters as a person does: the pair before the NUL is one character.
    expect(textProblem('😀\u0000', true)).toContain('character 2 ');
  });

  it('takes tabs and line breaks only in multi-line text', () => {
    expect(textProblem('第一行\r\n第二行\t完', true)).toBeUndefined();
    expect(textProblem('第一行\n第二行', false)).toBe('must be a single line, but character 4 is a line break (U+000A)');
    expect(textProblem('a\tb', false)).toBe('must be a single line, but character 2 is a tab (U+0009)');
  });

  it('documents exactly what it takes: the OpenAPI pattern agrees with the check on any text', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\t', '\n', '\r', ' ', '\u3000', '\u007f', '\u0085', '\ufffe', 'a', '审', '\u202e', '\u2066', '\u200d', '\u200f'), fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))) });
    const withoutSurrogates = text.filter((value) => !/[\ud800-\udfff]/.test(value));
    for (const multiline of [true, false]) {
      for (const notBlank of [true, false]) {
        const pattern = new RegExp(textPattern({ multiline, notBlank }));
        fc.assert(
          fc.property(withoutSurrogates, (value) => {
            const accepted = textProblem(value, multiline) === undefined && (!notBlank || value.trim() !== '');
            expect([value, pattern.test(value)]).toEqual([value, accepted]);
          }),
        );
      }
    }
  });
});

describe('the edge walk over a request value', () => {
  it('names the path of every unsafe string, in free-form objects and arrays too', () => {
    const body = {
      comment: 'a\u0000b',
      fields: { supervisedPersons: '12\u0000' },
      payload: { kind: 'award', scores: { 'bid-1': { price: '\u0007' } }, winners: [{ bidId: 'x\u0000' }] },
    };
    expect(unsafeValues(body, '', 'body').map((problem) => problem.field)).toEqual([
      'comment',
      'fields.supervisedPersons',
      'payload.scores.bid-1.price',
      'payload.winners.0.bidId',
    ]);
  });

  it('checks property names, as single-line text', () => {
    expect(unsafeValues({ fields: { 'a\u0000': 1, 'b\nc': 2 } }, '', 'body')).toEqual([
      { field: 'fields', problem: 'has a property name that must not contain control characters, but character 2 is the control character U+0000' },
      { field: 'fields', problem: 'has a property name that must be a single line, but character 2 is a line break (U+000A)' },
    ]);
  });

  it('refuses nesting deeper than 16 levels without walking it, however deep', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(unsafeValues({ payload: deep }, '', 'body')).toEqual([{ field: 'payload.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0', problem: 'is nested more than 16 levels deep' }]);
  });

  it('names a bare parameter by its own name, and reports at most 20 problems', () => {
    expect(unsafeValues('cycle-\u0000', 'id', 'param')).toEqual([{ field: 'id', problem: expect.stringContaining('U+0000') }]);
    expect(unsafeValues({ notes: Array.from({ length: 500 }, () => '\u0000') }, '', 'body')).toHaveLength(20);
  });
});

describe('instants in query strings', () => {
  it('takes a calendar date or an RFC 3339 date-time with its zone', () => {
    for (const text of ['2026-03-09', '2024-02-29', '2026-03-09T08:00:00Z', '2026-03-09t08:00:00.123456+08:00', '0001-01-01T00:00:00-23:59']) {
      expect([text, isInstant(text)]).toEqual([text, true]);
    }
  });

  it('refuses other ISO 8601 forms and impossible days and times', () => {
    for (const text of ['2026-02-29', '2026-13-01', '2026-03-09T24:00:00Z', '2026-03-09T08:00:00', '2026-W10', '2026-068', '20260309', '2026-03-09T08:00Z', ' 2026-03-09']) {
      expect([text, isInstant(text)]).toEqual([text, false]);
    }
  });
});
