import { addCalendarDuration, BusinessCalendar } from '../../src/definitions/calendars/business-calendar.js';
import type { EventAnchorT } from '../../src/definitions/procedure/procedure.schema.js';
import type { DeadlineT } from '../../src/definitions/schema/common.schema.js';
import type { EngineContext } from './types.js';

/** Deadlines are counted in China Standard Time: a task due on a day is due at that day's end there. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The civil date (YYYY-MM-DD) an instant falls on in China. */
export function chinaDate(instant: string): string {
  return new Date(Date.parse(instant) + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last millisecond of a civil date in China, as an ISO instant. */
export function endOfChinaDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CHINA_OFFSET_MS + DAY_MS - 1).toISOString();
}

/** The first instant of a civil date in China. */
export function startOfChinaDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CHINA_OFFSET_MS).toISOString();
}

/**
 * When a span that starts at `from` ends. Day-based spans (`P5D`, `P1M`, business days) end at the
 * end of their last day in China; spans with hours or minutes end exactly. Business days need the
 * year's calendar and fail, naming the missing file, when it is not there.
 */
export function deadlineAfter(context: EngineContext, from: string, deadline: DeadlineT): string {
  const startDate = chinaDate(from);
  if (typeof deadline !== 'string') {
    const calendar = BusinessCalendar.fromDefinitions(context.calendars);
    return endOfChinaDay(calendar.addBusinessDays(startDate, deadline.businessDays));
  }
  const time = /T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(deadline);
  if (time) {
    const dayPart = deadline.slice(0, deadline.indexOf('T'));
    const base = dayPart === 'P' ? Date.parse(from) : Date.parse(startOfChinaDay(addCalendarDuration(startDate, dayPart))) + (Date.parse(from) - Date.parse(startOfChinaDay(startDate)));
    const [hours, minutes, seconds] = [time[1], time[2], time[3]].map((part) => Number(part ?? 0));
    return new Date(base + (((hours ?? 0) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000).toISOString();
  }
  return endOfChinaDay(addCalendarDuration(startDate, deadline));
}

/**
 * The first instant at which a waiting period that starts at `from` has elapsed: the start of the day
 * after its last day for day-based spans (5 days after an event on the 1st: from the 7th at 00:00 in
 * China), exactly the end of the span for spans with hours or minutes.
 */
export function notBeforeAfter(context: EngineContext, from: string, span: DeadlineT): string {
  const end = deadlineAfter(context, from, span);
  const dayBased = typeof span !== 'string' || !span.includes('T');
  return dayBased ? new Date(Date.parse(end) + 1).toISOString() : end;
}

/** The key under which the interpreter records when an event happened (`EngineState.events`). */
export function anchorKey(anchor: EventAnchorT): string {
  if ('notice' in anchor) return `notice:${anchor.notice}`;
  return anchor.outcome ? `node:${anchor.node}:${anchor.outcome}` : `node:${anchor.node}`;
}

/** An event in words, for messages. */
export function describeAnchor(anchor: EventAnchorT): string {
  if ('notice' in anchor) return `the publication of notice "${anchor.notice}"`;
  return anchor.outcome ? `the decision "${anchor.outcome}" of "${anchor.node}"` : `the completion of "${anchor.node}"`;
}

/** A ledger period: a calendar month, a quarter, or the ISO-8601 span the definition gives (`P2M`, `P1W`, `PT1H`). */
export type LedgerPeriod = 'monthly' | 'quarterly' | (string & {});

/** A span `times` over: each component multiplied (P1M × 3 = P3M, PT5S × 3 = PT15S). */
function spanTimes(span: string, times: number): string {
  return span.replace(/(\d+)([YMWDHS])/g, (_match, count: string, unit: string) => `${Number(count) * times}${unit}`);
}

/**
 * The start of ledger period `index` (0-based) of a contract whose periods began at `startedAt`: the
 * start of the China day `index` periods later for a month, a quarter or a span of whole days; exactly
 * that much later for a span with hours, minutes or seconds.
 */
export function periodStart(startedAt: string, period: LedgerPeriod, index: number): string {
  if (index === 0) return startedAt;
  const total = spanTimes(period === 'monthly' ? 'P1M' : period === 'quarterly' ? 'P3M' : period, index);
  const time = total.indexOf('T');
  if (time < 0) return startOfChinaDay(addCalendarDuration(chinaDate(startedAt), total));
  const dayPart = total.slice(0, time);
  const days = dayPart === 'P' ? 0 : Date.parse(startOfChinaDay(addCalendarDuration(chinaDate(startedAt), dayPart))) - Date.parse(startOfChinaDay(chinaDate(startedAt)));
  const [, hours, minutes, seconds] = /T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(total) ?? [];
  return new Date(Date.parse(startedAt) + days + ((Number(hours ?? 0) * 60 + Number(minutes ?? 0)) * 60 + Number(seconds ?? 0)) * 1000).toISOString();
}

/**
 * When the ledger of a period is due. A month's or a quarter's: at the end of `dueDay` of the period's
 * last month (or the next month's when that day has passed at its start). A span's: as the period ends,
 * the last millisecond before `periodEndsAt`.
 */
export function ledgerDueAt(periodStartedAt: string, period: LedgerPeriod, dueDay: number, periodEndsAt: string): string {
  if (period !== 'monthly' && period !== 'quarterly') return new Date(Date.parse(periodEndsAt) - 1).toISOString();
  const start = chinaDate(periodStartedAt);
  const lastMonth = period === 'monthly' ? start : addCalendarDuration(start, 'P2M');
  let due = `${lastMonth.slice(0, 8)}${String(dueDay).padStart(2, '0')}`;
  if (due < start) due = `${addCalendarDuration(`${lastMonth.slice(0, 8)}01`, 'P1M').slice(0, 8)}${String(dueDay).padStart(2, '0')}`;
  return endOfChinaDay(due);
}

/** When the submission window of a ledger due at `dueAt` opens: the start of day `opensDay` of the due day's month, in China. */
/**
 * When a period's ledger is due, given the instant its submission opened: its due day's end, or — when it
 * only opened after that (its predecessor was confirmed late, and periods are submitted in turn) — the end
 * of the China day it opened, so the vendor is never late for the days the confirming office took.
 */
export function ledgerDueOnceOpen(dueAt: string, openedAt: string): string {
  const endOfOpeningDay = endOfChinaDay(chinaDate(openedAt));
  return Date.parse(endOfOpeningDay) > Date.parse(dueAt) ? endOfOpeningDay : dueAt;
}

export function ledgerWindowOpensAt(dueAt: string, opensDay: number): string {
  return startOfChinaDay(`${chinaDate(dueAt).slice(0, 8)}${String(opensDay).padStart(2, '0')}`);
}

/** Whole days from the end of the due day to the China day of `at` (0 when `at` is not after the due day). */
export function daysLate(dueAt: string, at: string): number {
  const due = Date.parse(`${chinaDate(dueAt)}T00:00:00.000Z`);
  const day = Date.parse(`${chinaDate(at)}T00:00:00.000Z`);
  return Math.max(0, Math.round((day - due) / DAY_MS));
}

/** An instant in China time, for messages (`2054-03-25 23:59:59 China time`). */
export function inChinaTime(instant: string): string {
  const local = new Date(Date.parse(instant) + CHINA_OFFSET_MS).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)} China time`;
}
