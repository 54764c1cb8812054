/**
 * Numbers, money and dates as the user's locale writes them. Dates are always shown in China time,
 * whatever the browser's zone: deadlines are set in working days of a Chinese jurisdiction.
 */
export type Locale = 'zh-CN' | 'en';

export const CHINA_TIME_ZONE = 'Asia/Shanghai';

/**
 * Integer fen as 元 with two decimals, e.g. 61728000 → "¥617,280.00". Done on integers (BigInt for the
 * grouping) so amounts beyond 2^53 fen are not rounded by floating point.
 */
export function formatFen(fen: number | bigint, locale: Locale): string {
  const value = BigInt(fen);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const yuan = absolute / 100n;
  const cents = (absolute % 100n).toString().padStart(2, '0');
  const grouped = new Intl.NumberFormat(locale).format(yuan);
  return `${negative ? '-' : ''}¥${grouped}.${cents}`;
}

/**
 * 元 as typed by a user ("12,345.6", "12345.67", " 8 ") to integer fen, or an error naming what is wrong.
 * At most two decimals; no exponent, no sign; commas and spaces as thousands separators are accepted.
 */
export function parseYuanToFen(text: string): { ok: true; fen: number } | { ok: false; reason: 'empty' | 'notANumber' | 'tooManyDecimals' | 'tooLarge' } {
  const cleaned = text.replace(/[\s,，]/g, '');
  if (cleaned === '') return { ok: false, reason: 'empty' };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return { ok: false, reason: 'notANumber' };
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > 2) return { ok: false, reason: 'tooManyDecimals' };
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'tooLarge' };
  return { ok: true, fen: Number(fen) };
}

export function formatNumber(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** An instant as date and time in China time, e.g. "2027年3月1日 09:30" or "Mar 1, 2027, 09:30". */
export function formatDateTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { timeZone: CHINA_TIME_ZONE, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(new Date(iso));
}

/** A calendar day ("2027-03-01") or an instant as a date in China time. */
export function formatDate(value: string, locale: Locale): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00+08:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale, { timeZone: CHINA_TIME_ZONE, dateStyle: 'medium' }).format(date);
}
