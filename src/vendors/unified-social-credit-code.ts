/**
 * The unified social credit code (统一社会信用代码, GB 32100-2015) every organisation in China is
 * registered under: 18 characters from a 31-character alphabet (digits and upper-case letters without
 * I, O, S, V, Z) — registration authority, organisation category, six-digit administrative division,
 * nine-character organisation code — and a check character over the first seventeen.
 */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** The format the database enforces too (check constraint `vendors_credit_code_format`). */
export const CREDIT_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Weight of each of the first 17 positions: 3^i mod 31. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character (18th) for the first seventeen characters of a code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new Error('a credit code check character is computed over 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) throw new Error(`"${first17.charAt(i)}" cannot appear in a unified social credit code`);
    sum += value * (WEIGHTS[i] ?? 0);
  }
  return CREDIT_CODE_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * What is wrong with `code` as a unified social credit code, in words a clerk can act on, or
 * undefined when it is well-formed and its check character matches.
 */
export function creditCodeProblem(code: string): string | undefined {
  if (code.length !== 18) return `must be 18 characters long, and "${code}" has ${code.length}`;
  const foreign = [...code].find((character) => !CREDIT_CODE_ALPHABET.includes(character));
  if (foreign !== undefined) {
    return `contains "${foreign}": a unified social credit code uses only digits and the upper-case letters A–Y without I, O, S, V and Z`;
  }
  if (!CREDIT_CODE_PATTERN.test(code)) return 'characters 3 to 8 must be digits (the administrative division code)';
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code.charAt(17) !== expected) return `fails its check: the 18th character must be "${expected}" for the first 17 given — is a character mistyped?`;
  return undefined;
}
