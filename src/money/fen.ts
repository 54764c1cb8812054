/**
 * Money is integer fen (分, 1/100 yuan) everywhere: in definitions, workflows, the database (`bigint`)
 * and the API. Numbers stay exact only up to Number.MAX_SAFE_INTEGER, so that is the largest amount
 * procureflow accepts (about 90 trillion yuan: no purchase comes near it).
 */
export const MAX_FEN = Number.MAX_SAFE_INTEGER;

/** Whether `value` is a whole number of fen from `min` (default 0) to MAX_FEN. */
export function isFen(value: unknown, min = 0): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/**
 * A `bigint` column as a number of fen. PostgreSQL returns bigint as a decimal string; this refuses
 * (throws) anything that is not a whole number or that a JavaScript number cannot hold exactly.
 */
export function fenFromDatabase(raw: string | number): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (!/^-?\d+$/.test(text)) throw new Error(`"${text}" is not a whole number of fen`);
  const value = BigInt(text);
  if (value > BigInt(MAX_FEN) || value < -BigInt(MAX_FEN)) {
    throw new Error(`${text} fen is beyond ${MAX_FEN}, the largest amount procureflow can handle exactly`);
  }
  return Number(value);
}

/**
 * Fen written as yuan with exactly two decimals, computed from integers (never floating point):
 * 12345 → "123.45", 5 → "0.05", -250 → "-2.50".
 */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`${fen} is not a whole number of fen`);
  const amount = BigInt(fen);
  const sign = amount < 0n ? '-' : '';
  const absolute = amount < 0n ? -amount : amount;
  return `${sign}${absolute / 100n}.${(absolute % 100n).toString().padStart(2, '0')}`;
}
