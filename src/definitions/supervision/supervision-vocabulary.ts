/**
 * The fixed words of the Supervision kind that a case's machine needs at run time: the built-in events,
 * the reserved payload members and the calendar periods. Plain constants, free of the schema library,
 * because workflow code imports them and Temporal evaluates a workflow's modules afresh for every
 * workflow it creates (each enrolment, continued run and replay); see procedure-vocabulary.ts.
 */

/**
 * Events the machine itself understands; a definition may not declare them.
 * - `period.elapsed` `{ obligation, period }`: the host (a Temporal timer) closes the current period
 *   of a periodic obligation, recording whether it was met.
 * - `attributes.updated` `{ attributes }`: changes case attributes, e.g. the purchaser designates
 *   a key person (seed 001 §三(二)·四是 「由甲方确定」).
 */
export const BUILT_IN_EVENTS = ['period.elapsed', 'attributes.updated'] as const;

/** Payload members every event may carry besides its declared fields; declared fields may not use these names. */
export const RESERVED_PAYLOAD_IDS = ['type', 'at'] as const;

/** Periods that `alignment: calendar` understands: day, week (from Monday), half-month, month, quarter, year. */
export const CALENDAR_PERIODS = ['P1D', 'P1W', 'P15D', 'P1M', 'P3M', 'P1Y'] as const;
export type CalendarPeriod = (typeof CALENDAR_PERIODS)[number];
