import { assign, setup, type SnapshotFrom } from 'xstate';
import { ExpressionError, toExpressionValue } from '../../src/definitions/expressions/expression-language.js';
import { supervisionScopes } from '../../src/definitions/supervision/supervision.rules.js';
import type { ObligationT, SupervisionDefinition, SupervisionStateT } from '../../src/definitions/supervision/supervision.schema.js';
import { formatInstant, isCalendarBoundary, parseInstant, periodEnd } from './obligation-periods.js';
import {
  type AttributeValue,
  eventDeclaration,
  initialAttributes,
  payloadOf,
  type SupervisionEvent,
  type SupervisionInput,
  validateCaseInput,
} from './supervision-case.events.js';

/**
 * A supervised person's case (社区矫正对象) as an XState v5 machine compiled from a
 * SupervisionLifecycle definition.
 *
 * Deterministic and free of I/O: no clock, no randomness, no Node built-ins; every instant comes from
 * the events (`at`, stamped by the host). It runs inside the case workflow, driven with the pure
 * `initialTransition` / `transition` functions; the snapshot (plain JSON) is the workflow's state.
 *
 * Periods: the machine does not measure time. For every periodic obligation of the current state,
 * `periodTimers` says when its current period ends; the workflow sleeps until then and sends
 * `{ type: 'period.elapsed', obligation, period }`, which records in `context.history` whether the
 * period was met and opens the next one. A stale or repeated `period.elapsed` (wrong period number,
 * or the case has since moved on) is ignored, so timers need no cancellation to be safe.
 * XState `after` delays are deliberately not used: months have no fixed length in milliseconds, and
 * pending delayed events are not part of a persisted snapshot (CONVENTIONS.md 11).
 */

export type { AttributeValue, SupervisionEvent, SupervisionInput } from './supervision-case.events.js';

/** Evidence counted for one obligation of the current state, in its current period (or the whole stay). */
export interface ObligationCounter {
  readonly total: number;
  /** Number of the current period within this stay, from 0; null for `per: state`. */
  readonly period: number | null;
  /** When the current period (or the stay) began; null when the host gave no `at`. */
  readonly periodStartedAt: string | null;
  /** Periods of this stay that closed unmet while the obligation applied. */
  readonly missedPeriods: number;
}

/** The outcome of one closed period (or stay) of an obligation: the evidence the evaluation reads. */
export interface ObligationRecord {
  readonly state: string;
  /** Which stay in the state (1 for the first time the case enters any state, counting every entry). */
  readonly stay: number;
  readonly obligation: string;
  readonly period: number | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly total: number;
  readonly required: number;
  readonly met: boolean;
  /** The period was cut short: the case left the state, or a calendar period began mid-way. */
  readonly partial: boolean;
  readonly closedBy: 'period.elapsed' | 'stateExit';
}

export interface SupervisionContext {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly stay: { readonly state: string; readonly sequence: number; readonly enteredAt: string | null };
  /** One counter per obligation of the current state, by obligation id; reset on entering a state. */
  readonly counters: Readonly<Record<string, ObligationCounter>>;
  /** Closed periods and stays of applicable obligations, oldest first. */
  readonly history: readonly ObligationRecord[];
}

/** What the pure functions below need of a snapshot: a live one, or one restored from JSON. */
export interface CaseSnapshotLike {
  readonly context: SupervisionContext;
}

/**
 * Builds the machine of a compiled SupervisionLifecycle definition.
 * Guarantees, for a definition that passed the compiler: one XState state per definition state
 * (same ids); the event alone decides each step (guards are the definition's CEL over attributes,
 * payload and the obligations' figures including the event's own evidence); the context is plain
 * JSON (no bigint, no Date), so a snapshot survives `JSON.parse(JSON.stringify(…))` and
 * `restoreCaseSnapshot`.
 * Failures (XState decides their form): an invalid case input gives an initial snapshot with
 * `status: 'error'` and the reason in `error`; a guard failing at evaluation (once compiled, only
 * integer overflow can) makes `transition` throw an ExpressionError naming the state, transition
 * and expression. The host validates input and events first (`validateCaseInput`,
 * `validateCaseEvent`) and, should `transition` still throw, keeps its previous snapshot and
 * refuses the event.
 */
export function createSupervisionMachine(definition: SupervisionDefinition) {
  const states = new Map(definition.states.map((state, index) => [state.id, { state, index }]));
  const scopes = supervisionScopes(definition);
  const stateNamed = (id: string): SupervisionStateT => {
    const entry = states.get(id);
    if (!entry) throw new Error(`lifecycle "${definition.metadata.key}" has no state "${id}"`);
    return entry.state;
  };

  const machine = setup({
    types: {
      context: {} as SupervisionContext,
      events: {} as SupervisionEvent,
      input: {} as SupervisionInput,
    },
    guards: {
      /** A transition's guard: the definition's CEL expression, seeing the figures after this event's evidence. */
      cel: ({ context, event }, params: { state: string; transition: number; expression: string }) => {
        const entry = states.get(params.state);
        if (!entry) return false;
        const counters = withEvidence(definition, entry.state, context, event);
        const values = {
          attributes: context.attributes,
          event: payloadOf(eventDeclaration(definition, event.type), event),
          obligations: figures(definition, entry.state, { ...context, counters }),
        };
        try {
          return scopes.guard(entry.index, event.type).evaluate(params.expression, toExpressionValue(values) as Record<string, unknown>) === true;
        } catch (error) {
          const reason = error instanceof ExpressionError ? error.message : String(error);
          throw new ExpressionError(`guard of transition ${params.transition + 1} of state "${params.state}" on "${event.type}": ${reason}`);
        }
      },
      /** A `period.elapsed` closes the period it names, and only while that period is open. */
      periodIsOpen: ({ context, event }, params: { state: string }) => {
        const obligation = stateNamed(params.state).obligations.find((o) => o.id === event.obligation && o.per !== 'state');
        const counter = obligation ? context.counters[obligation.id] : undefined;
        return counter !== undefined && counter.period === event.period;
      },
    },
    actions: {
      /** Adds the event's measured amount to every obligation of the state that counts this event. */
      recordEvidence: assign(({ context, event }, params: { state: string }) => ({
        counters: withEvidence(definition, stateNamed(params.state), context, event),
      })),
      /** Leaving a state: records every applicable obligation's last (possibly partial) period or stay. */
      closeStay: assign(({ context, event }, params: { state: string }) => ({
        history: [...context.history, ...stayRecords(definition, stateNamed(params.state), context, instantOf(definition, event.at))],
      })),
      /** Entering a state: fresh counters for its obligations, periods starting at the event's `at`. */
      openStay: assign(({ context, event }, params: { state: string }) => ({
        stay: { state: params.state, sequence: context.stay.sequence + 1, enteredAt: instantOf(definition, event.at) },
        counters: freshCounters(stateNamed(params.state), instantOf(definition, event.at)),
      })),
      /** Closes the named obligation's current period: records met or missed, opens the next period. */
      closePeriod: assign(({ context, event }, params: { state: string }) => closePeriod(definition, stateNamed(params.state), context, event)),
      /** Changes the declared attributes the event names (validated beforehand by `validateCaseEvent`). */
      updateAttributes: assign(({ context, event }) => ({ attributes: mergeAttributes(definition, context.attributes, event.attributes) })),
    },
  }).createMachine({
    id: definition.metadata.key,
    initial: definition.initial,
    context: ({ input }) => initialContext(definition, input),
    states: Object.fromEntries(definition.states.map((state) => [state.id, stateConfig(definition, state)])),
  });
  return machine;
}

export type SupervisionMachine = ReturnType<typeof createSupervisionMachine>;
export type SupervisionSnapshot = SnapshotFrom<SupervisionMachine>;

type ActionRef =
  | { type: 'recordEvidence' | 'closeStay' | 'openStay' | 'closePeriod'; params: { state: string } }
  | { type: 'updateAttributes' };
type GuardRef = { type: 'cel'; params: { state: string; transition: number; expression: string } } | { type: 'periodIsOpen'; params: { state: string } };
interface TransitionConfig {
  target?: string;
  guard?: GuardRef;
  actions: ActionRef[];
}

/** The XState configuration of one definition state: its transitions, evidence counting and built-in events. */
function stateConfig(definition: SupervisionDefinition, state: SupervisionStateT) {
  if (state.type === 'final') return { type: 'final' as const };
  const record: ActionRef = { type: 'recordEvidence', params: { state: state.id } };
  const on: Record<string, TransitionConfig[]> = {};
  state.on.forEach((transition, index) => {
    const config: TransitionConfig = {
      actions:
        transition.target === undefined
          ? [record]
          : [record, { type: 'closeStay', params: { state: state.id } }, { type: 'openStay', params: { state: transition.target } }],
    };
    if (transition.target !== undefined) config.target = transition.target;
    if (transition.guard !== undefined) config.guard = { type: 'cel', params: { state: state.id, transition: index, expression: transition.guard } };
    (on[transition.event] ??= []).push(config);
  });
  // Evidence is counted even when no transition on the event is taken (or the state has none for it).
  for (const obligation of state.obligations) {
    const list = (on[obligation.event] ??= []);
    const last = list[list.length - 1];
    if (!last || last.guard !== undefined) list.push({ actions: [record] });
  }
  if (state.obligations.some((obligation) => obligation.per !== 'state')) {
    on['period.elapsed'] = [{ guard: { type: 'periodIsOpen', params: { state: state.id } }, actions: [{ type: 'closePeriod', params: { state: state.id } }] }];
  }
  if (definition.attributes.length > 0) on['attributes.updated'] = [{ actions: [{ type: 'updateAttributes' }] }];
  return { on };
}

function initialContext(definition: SupervisionDefinition, input: SupervisionInput): SupervisionContext {
  const problems = validateCaseInput(definition, input);
  if (problems.length > 0) throw new Error(`cannot open a "${definition.metadata.key}" case: ${problems.join('; ')}`);
  const initial = definition.states.find((state) => state.id === definition.initial);
  if (!initial) throw new Error(`lifecycle "${definition.metadata.key}" has no initial state "${definition.initial}"`);
  const at = instantOf(definition, input.at);
  return {
    attributes: initialAttributes(definition, input),
    stay: { state: initial.id, sequence: 1, enteredAt: at },
    counters: freshCounters(initial, at),
    history: [],
  };
}

/** An event's `at` written the one way the history uses (`2025-03-01T00:00:00+08:00`); null when absent or unreadable. */
function instantOf(definition: SupervisionDefinition, at: unknown): string | null {
  const epochMs = typeof at === 'string' ? parseInstant(at, definition.utcOffset) : undefined;
  return epochMs === undefined ? null : formatInstant(epochMs, definition.utcOffset);
}

function freshCounters(state: SupervisionStateT, at: string | null): Record<string, ObligationCounter> {
  const counters: Record<string, ObligationCounter> = {};
  for (const obligation of state.obligations) {
    counters[obligation.id] = { total: 0, period: obligation.per === 'state' ? null : 0, periodStartedAt: at, missedPeriods: 0 };
  }
  return counters;
}

/** The amount an event adds to an obligation, or undefined when the event does not count for it. */
function measured(
  definition: SupervisionDefinition,
  obligation: ObligationT,
  attributes: Readonly<Record<string, AttributeValue>>,
  event: SupervisionEvent,
): number | undefined {
  if (obligation.event !== event.type) return undefined;
  const payload = payloadOf(eventDeclaration(definition, event.type), event);
  if (obligation.countsWhen !== undefined) {
    const values = toExpressionValue({ attributes, event: payload }) as Record<string, unknown>;
    if (supervisionScopes(definition).evidence(event.type).evaluate(obligation.countsWhen, values) !== true) return undefined;
  }
  if ('count' in obligation.measure) return 1;
  const value = payload['sum' in obligation.measure ? obligation.measure.sum : obligation.measure.max];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function withEvidence(
  definition: SupervisionDefinition,
  state: SupervisionStateT,
  context: SupervisionContext,
  event: SupervisionEvent,
): Readonly<Record<string, ObligationCounter>> {
  let next = context.counters;
  for (const obligation of state.obligations) {
    const amount = measured(definition, obligation, context.attributes, event);
    const counter = next[obligation.id];
    if (amount === undefined || !counter) continue;
    const total = 'max' in obligation.measure ? Math.max(counter.total, amount) : counter.total + amount;
    next = { ...next, [obligation.id]: { ...counter, total } };
  }
  return next;
}

/** Whether an obligation applies to this case now (`appliesWhen` over the current attributes). */
function applies(definition: SupervisionDefinition, obligation: ObligationT, attributes: Readonly<Record<string, AttributeValue>>): boolean {
  if (obligation.appliesWhen === undefined) return true;
  const values = toExpressionValue({ attributes }) as Record<string, unknown>;
  return supervisionScopes(definition).attributes.evaluate(obligation.appliesWhen, values) === true;
}

interface Figures {
  readonly met: boolean;
  readonly total: number;
  readonly required: number;
  readonly applies: boolean;
  readonly missedPeriods: number;
}

/** What guards see as `obligations.<id>`: an obligation that does not apply counts as met. */
function figures(definition: SupervisionDefinition, state: SupervisionStateT, context: SupervisionContext): Record<string, Figures> {
  const result: Record<string, Figures> = {};
  for (const obligation of state.obligations) {
    const counter = context.counters[obligation.id];
    const total = counter?.total ?? 0;
    const applicable = applies(definition, obligation, context.attributes);
    result[obligation.id] = {
      met: !applicable || total >= obligation.atLeast,
      total,
      required: obligation.atLeast,
      applies: applicable,
      missedPeriods: counter?.missedPeriods ?? 0,
    };
  }
  return result;
}

function stayRecords(definition: SupervisionDefinition, state: SupervisionStateT, context: SupervisionContext, at: string | null): ObligationRecord[] {
  return state.obligations.flatMap((obligation) => {
    const counter = context.counters[obligation.id];
    if (!counter || !applies(definition, obligation, context.attributes)) return [];
    return [
      {
        state: state.id,
        stay: context.stay.sequence,
        obligation: obligation.id,
        period: counter.period,
        startedAt: counter.periodStartedAt,
        endedAt: at,
        total: counter.total,
        required: obligation.atLeast,
        met: counter.total >= obligation.atLeast,
        partial: obligation.per !== 'state',
        closedBy: 'stateExit' as const,
      },
    ];
  });
}

function closePeriod(definition: SupervisionDefinition, state: SupervisionStateT, context: SupervisionContext, event: SupervisionEvent): Partial<SupervisionContext> {
  const obligation = state.obligations.find((o) => o.id === event.obligation);
  const counter = obligation ? context.counters[obligation.id] : undefined;
  if (!obligation || !counter || obligation.per === 'state') return {};
  const end = counter.periodStartedAt === null ? undefined : periodEnd(counter.periodStartedAt, obligation.per, obligation.alignment, definition.utcOffset);
  const endedAt = end ?? instantOf(definition, event.at);
  const applicable = applies(definition, obligation, context.attributes);
  const met = counter.total >= obligation.atLeast;
  const history = applicable
    ? [
        ...context.history,
        {
          state: state.id,
          stay: context.stay.sequence,
          obligation: obligation.id,
          period: counter.period,
          startedAt: counter.periodStartedAt,
          endedAt,
          total: counter.total,
          required: obligation.atLeast,
          met,
          partial:
            obligation.alignment === 'calendar' &&
            counter.periodStartedAt !== null &&
            !isCalendarBoundary(counter.periodStartedAt, obligation.per, definition.utcOffset),
          closedBy: 'period.elapsed' as const,
        },
      ]
    : context.history;
  const next: ObligationCounter = {
    total: 0,
    period: (counter.period ?? 0) + 1,
    periodStartedAt: endedAt,
    missedPeriods: counter.missedPeriods + (applicable && !met ? 1 : 0),
  };
  return { history, counters: { ...context.counters, [obligation.id]: next } };
}

function mergeAttributes(
  definition: SupervisionDefinition,
  current: Readonly<Record<string, AttributeValue>>,
  changes: unknown,
): Readonly<Record<string, AttributeValue>> {
  if (changes === null || typeof changes !== 'object') return current;
  const next: Record<string, AttributeValue> = { ...current };
  for (const attribute of definition.attributes) {
    const value = (changes as Record<string, unknown>)[attribute.id];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') next[attribute.id] = value;
  }
  return next;
}

/* ------------------------------------------------------------------------------------------------
 * What the host reads from a snapshot.
 * ---------------------------------------------------------------------------------------------- */

export interface ObligationStatus {
  readonly id: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly event: string;
  readonly per: string;
  readonly alignment: 'rolling' | 'calendar';
  readonly applies: boolean;
  readonly total: number;
  readonly required: number;
  /** `total >= required`, or the obligation does not apply. */
  readonly met: boolean;
  readonly period: number | null;
  readonly periodStartedAt: string | null;
  /** When the current period ends (null for `per: state`, or when its start is unknown). */
  readonly periodEndsAt: string | null;
  readonly missedPeriods: number;
}

/** Every obligation of the case's current state, with its figures for the current period or stay. */
export function obligationStatus(snapshot: CaseSnapshotLike, definition: SupervisionDefinition): ObligationStatus[] {
  const { context } = snapshot;
  const state = definition.states.find((candidate) => candidate.id === context.stay.state);
  if (!state) return [];
  const current = figures(definition, state, context);
  return state.obligations.map((obligation) => {
    const counter = context.counters[obligation.id];
    const startedAt = counter?.periodStartedAt ?? null;
    const endsAt = obligation.per === 'state' || startedAt === null ? undefined : periodEnd(startedAt, obligation.per, obligation.alignment, definition.utcOffset);
    const figure = current[obligation.id] as Figures;
    return {
      id: obligation.id,
      title: obligation.title,
      event: obligation.event,
      per: obligation.per,
      alignment: obligation.alignment,
      applies: figure.applies,
      total: figure.total,
      required: figure.required,
      met: figure.met,
      period: counter?.period ?? null,
      periodStartedAt: startedAt,
      periodEndsAt: endsAt ?? null,
      missedPeriods: figure.missedPeriods,
    };
  });
}

/** A timer the host must run: when `endsAt` comes, send `event`. */
export interface PeriodTimer {
  readonly obligation: string;
  readonly period: number;
  readonly endsAt: string;
  readonly event: { readonly type: 'period.elapsed'; readonly obligation: string; readonly period: number; readonly at: string };
}

/**
 * The period ends the host must wait for in the current state, one per periodic obligation whose
 * current period has a known start. After any transition, the host recomputes these; timers of
 * periods that no longer exist may still fire harmlessly (their `period.elapsed` is ignored).
 */
export function periodTimers(snapshot: CaseSnapshotLike, definition: SupervisionDefinition): PeriodTimer[] {
  return obligationStatus(snapshot, definition).flatMap((status) =>
    status.period === null || status.periodEndsAt === null
      ? []
      : [
          {
            obligation: status.id,
            period: status.period,
            endsAt: status.periodEndsAt,
            event: { type: 'period.elapsed' as const, obligation: status.id, period: status.period, at: status.periodEndsAt },
          },
        ],
  );
}

/**
 * The event types the current state handles: its transitions' events, the events its obligations
 * count, and the built-in ones. Anything else would leave the case unchanged, so the host refuses it.
 * Empty once the case is in a final state.
 */
export function acceptedEvents(snapshot: CaseSnapshotLike, definition: SupervisionDefinition): string[] {
  const state = definition.states.find((candidate) => candidate.id === snapshot.context.stay.state);
  if (!state || state.type === 'final') return [];
  const accepted = new Set<string>([...state.on.map((t) => t.event), ...state.obligations.map((o) => o.event)]);
  if (state.obligations.some((obligation) => obligation.per !== 'state')) accepted.add('period.elapsed');
  if (definition.attributes.length > 0) accepted.add('attributes.updated');
  return [...accepted].sort();
}

/** The JSON form of a snapshot that `restoreCaseSnapshot` accepts: what `JSON.stringify(snapshot)` writes. */
export interface PersistedCaseSnapshot {
  readonly value: unknown;
  readonly context: SupervisionContext;
}

/**
 * Turns a snapshot read back from JSON (workflow state, continue-as-new input) into one the pure
 * `transition` function accepts. Throws when the state it names is not in this machine's definition.
 */
export function restoreCaseSnapshot(machine: SupervisionMachine, persisted: PersistedCaseSnapshot): SupervisionSnapshot {
  const { value, context } = persisted;
  if (typeof value !== 'string' || !(value in machine.root.states)) {
    throw new Error(`the saved case is in state ${JSON.stringify(value)}, which lifecycle "${machine.id}" does not have`);
  }
  return machine.resolveState({ value, context });
}
