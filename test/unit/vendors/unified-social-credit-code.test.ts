import {
  CREDIT_CODE_ALPHABET,
  CREDIT_CODE_PATTERN,
  creditCodeCheckCharacter,
  creditCodeProblem,
} from '../../../src/vendors/unified-social-credit-code.js';

describe('the unified social credit code (GB 32100-2015)', () => {
  it.each(['91350100M000100Y43', '91440300708461136T', '91110000802100433B'])('accepts the published code %s', (code) => {
    expect(creditCodeProblem(code)).toBeUndefined();
    expect(CREDIT_CODE_PATTERN.test(code)).toBe(true);
  });

  it('computes the check character over the first 17 characters', () => {
    expect(creditCodeCheckCharacter('91350100M000100Y4')).toBe('3');
    expect(creditCodeCheckCharacter('52330521MJ9999999')).toBe('X');
  });

  it('finds every single mistyped character', () => {
    const code = '91440300708461136T';
    for (let position = 0; position < code.length; position++) {
      for (const replacement of CREDIT_CODE_ALPHABET) {
        if (replacement === code.charAt(position)) continue;
        const typo = code.slice(0, position) + replacement + code.slice(position + 1);
        expect([typo, creditCodeProblem(typo)]).toEqual([typo, expect.any(String)]);
      }
    }
  });

  it.each([
    ['91350100M000100Y4', 'must be 18 characters long, and "91350100M000100Y4" has 17'],
    ['91350100M000100Y4Z', 'contains "Z"'],
    ['91350100m000100Y43', 'contains "m"'],
    ['9135A100M000100Y43', 'characters 3 to 8 must be digits'],
    ['91350100M000100Y44', 'the 18th character must be "3"'],
  ])('explains what is wrong with %s', (code, problem) => {
    expect(creditCodeProblem(code)).toContain(problem);
  });
});
