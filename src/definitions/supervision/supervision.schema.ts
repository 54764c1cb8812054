import { z } from 'zod';
import { API_VERSION, CamelId, IsoDuration, KebabId, LocalizedText, Metadata, Sources } from '../schema/common.schema.js';

/**
 * The SupervisionLifecycle kind: the life of one supervised person's case (社区矫正对象) as data —
 * its attributes, the events it accepts, its states, the evidence each state demands (obligations)
 * and the guarded transitions between states. It compiles to an XState v5 machine
 * (workflows/machines/supervision-case.machine.ts). This schema is the single source of truth for
 * the shape; the semantic rules live in supervision.rules.ts.
 */

/** A CEL expression, type-checked when the definition is compiled (rule PF-SUP-EXPR). */
export const SupervisionExpression = z.string().min(1, 'must not be empty');

/**
 * Event ids are dot-namespaced camelCase words (`visit.recorded`, `sentence.completed`), so that an
 * event reads as "what happened to what" and never collides with a state id.
 */
export const EventId = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/, 'must be camelCase words joined by dots, e.g. "visit.recorded"');

/** Types of attributes and payload fields: `date` is a `YYYY-MM-DD` string, `int` a whole number. */
export const SupervisionValueType = z.enum(['int', 'string', 'bool', 'date']);

/** A typed value: a case attribute or a field of an event's payload. A field with a `default` may be left out. */
export const SupervisionField = z
  .object({
    id: CamelId,
    title: LocalizedText.optional(),
    type: SupervisionValueType,
    /** Bounds of an int. */
    min: z.int().optional(),
    max: z.int().optional(),
    /** The only values a string may take. */
    oneOf: z.array(z.string().min(1)).min(1).optional(),
    /** Makes the field optional: the value used when it is left out. */
    default: z.union([z.int(), z.string(), z.boolean()]).optional(),
    /** The longest a free text (type string without `oneOf`) may be, in characters. */
    maxLength: z.int().min(1).max(10_000).optional(),
    /**
     * A confidential field (seed 004: the pre-sentence investigation opinion): only these case roles
     * read it; it never appears in logs, notices or other roles' answers.
     */
    confidential: z.object({ readableBy: z.array(KebabId).min(1) }).strict().optional(),
    sources: Sources.optional(),
  })
  .strict();

export const Attribute = SupervisionField.extend({ title: LocalizedText }).strict();

/**
 * A role that acts on cases. `vendorStaff` roles belong to the undertaking organisation (their users
 * carry its `vendorId`) and act only on cases their organisation serves.
 */
export const CaseRole = z
  .object({
    id: KebabId,
    title: LocalizedText,
    vendorStaff: z.boolean().default(false),
    sources: Sources.optional(),
  })
  .strict();

export const EventDeclaration = z
  .object({
    id: EventId,
    title: LocalizedText,
    payload: z.array(SupervisionField).default([]),
    /** The case roles that may record this event. */
    recordedBy: z.array(KebabId).min(1).optional(),
    sources: Sources.optional(),
  })
  .strict();

/** How an obligation measures evidence: count the events, sum an int field, or take an int field's largest value. */
export const Measure = z.union([
  z.object({ count: z.literal(true) }).strict(),
  z.object({ sum: CamelId }).strict(),
  z.object({ max: CamelId }).strict(),
]);

/**
 * What must happen while the case is in a state, measured from the state's events.
 * `per: state` — over the whole stay; an ISO-8601 duration — in every period of that length.
 */
export const Obligation = z
  .object({
    id: CamelId,
    title: LocalizedText,
    event: EventId,
    measure: Measure,
    atLeast: z.int().min(1, 'must be at least 1'),
    per: z.union([z.literal('state'), IsoDuration]),
    /**
     * `rolling`: periods run back to back from entering the state (P1M = one month after another).
     * `calendar`: periods follow the calendar in `utcOffset` — P1D days, P1W weeks from Monday,
     * P15D half-months (1st–15th, 16th–end), P1M months, P3M quarters, P1Y years; the first and
     * last periods of a stay may be shorter.
     */
    alignment: z.enum(['rolling', 'calendar']).default('rolling'),
    /** CEL over `attributes`; the obligation applies only while it is true (otherwise it counts as met). */
    appliesWhen: SupervisionExpression.optional(),
    /** CEL over `attributes` and `event` (the payload); only events for which it is true count. */
    countsWhen: SupervisionExpression.optional(),
    /** A period closed unmet is a breach; it raises this task for the named case role. */
    onMissed: z
      .object({
        raise: z.object({ id: CamelId, title: LocalizedText, role: KebabId, due: IsoDuration.optional() }).strict(),
      })
      .strict()
      .optional(),
    sources: Sources.optional(),
  })
  .strict();

/**
 * Leaves the state on `event` when `guard` holds (the first matching transition wins, in order).
 * Without `target` the case stays in the state and its counters continue: the event is only recorded.
 */
export const Transition = z
  .object({
    event: EventId,
    target: CamelId.optional(),
    /** CEL over `attributes`, `event` (the payload) and `obligations.<id>.{met,total,required,applies,missedPeriods}`. */
    guard: SupervisionExpression.optional(),
    title: LocalizedText.optional(),
    sources: Sources.optional(),
  })
  .strict();

export const SupervisionState = z
  .object({
    id: CamelId,
    title: LocalizedText,
    description: LocalizedText.optional(),
    /** A final state ends the case: no obligations, no transitions. */
    type: z.literal('final').optional(),
    obligations: z.array(Obligation).default([]),
    on: z.array(Transition).default([]),
    sources: Sources.optional(),
  })
  .strict();

export const SupervisionSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('SupervisionLifecycle'),
    metadata: Metadata,
    /** The offset from UTC in which calendar periods are counted; China Standard Time has no daylight saving. */
    utcOffset: z
      .string()
      .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'must be an offset from UTC such as "+08:00"')
      .default('+08:00'),
    attributes: z.array(Attribute).default([]),
    /** The roles that act on cases of this lifecycle (events' `recordedBy`, confidential fields, raised tasks). */
    roles: z.array(CaseRole).default([]),
    /**
     * Staffing ratios the serving vendor must keep (seed 002: a social worker per 20 persons; seed 004:
     * one per 10, and a volunteer per person), checked at assignment and at each period's close.
     */
    staffing: z
      .object({
        socialWorker: z.object({ maxCasesEach: z.int().min(1), sources: Sources.optional() }).strict().optional(),
        volunteer: z.object({ minPerCase: z.int().min(1), sources: Sources.optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    events: z.array(EventDeclaration).min(1, 'must declare the events the case accepts'),
    initial: CamelId,
    states: z.array(SupervisionState).min(2, 'must have at least a starting state and a final state'),
  })
  .strict();

export type SupervisionDefinition = z.infer<typeof SupervisionSchema>;
export type SupervisionStateT = z.infer<typeof SupervisionState>;
export type ObligationT = z.infer<typeof Obligation>;
export type TransitionT = z.infer<typeof Transition>;
export type EventDeclarationT = z.infer<typeof EventDeclaration>;
export type SupervisionFieldT = z.infer<typeof SupervisionField>;
export type AttributeT = z.infer<typeof Attribute>;
export type CaseRoleT = z.infer<typeof CaseRole>;
export type MeasureT = z.infer<typeof Measure>;
export type SupervisionValueTypeT = z.infer<typeof SupervisionValueType>;
