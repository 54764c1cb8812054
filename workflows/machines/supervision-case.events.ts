import { valueProblem } from '../../src/definitions/supervision/supervision.rules.js';
import type { EventDeclarationT, SupervisionDefinition, SupervisionFieldT } from '../../src/definitions/supervision/supervision.schema.js';
import { BUILT_IN_EVENTS, RESERVED_PAYLOAD_IDS } from '../../src/definitions/supervision/supervision-vocabulary.js';
import { parseInstant } from './obligation-periods.js';

/**
 * The messages a supervision case exchanges with its host (the case workflow), and their validation.
 * Pure: the workflow's Update validators call these synchronously, so a bad event is refused with a
 * message naming the field before it reaches the machine, and the machine can trust what it gets.
 */

/** A case attribute's value: JSON-safe (whole numbers as numbers, dates as `YYYY-MM-DD`). */
export type AttributeValue = string | number | boolean;

/** What a case starts with: its attributes (declared ones; missing ones take their default) and when it opened. */
export interface SupervisionInput {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** When the case opened (ISO-8601), the start of the initial state's first periods. Given by the host, never read from a clock. */
  readonly at?: string;
}

/**
 * Any event of the case: a declared event `{ type: 'visit.recorded', date: '2025-03-02', … }` with its
 * payload fields at the top level, or a built-in one. `at` is when it happened (ISO-8601), stamped
 * by the host; it dates the periods and the history.
 */
export interface SupervisionEvent {
  readonly type: string;
  readonly at?: string;
  readonly [field: string]: unknown;
}

/** Closes period `period` (0-based, per stay) of a periodic obligation of the current state. Stale or repeated ones are ignored. */
export interface PeriodElapsedEvent extends SupervisionEvent {
  readonly type: 'period.elapsed';
  readonly obligation: string;
  readonly period: number;
}

/** Changes some attributes, e.g. the purchaser designates a key person (seed 001 §三(二)·四是). */
export interface AttributesUpdatedEvent extends SupervisionEvent {
  readonly type: 'attributes.updated';
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

const quoted = (ids: Iterable<string>) => {
  const all = [...ids].map((id) => `"${id}"`);
  return all.length > 0 ? all.join(', ') : '(none)';
};

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Problems with a case's starting input; empty when it is fine. */
export function validateCaseInput(definition: SupervisionDefinition, input: unknown): string[] {
  if (!isRecord(input)) return ['the case input must be an object with "attributes"'];
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (key !== 'attributes' && key !== 'at') problems.push(`unknown property "${key}" in the case input; allowed: "attributes", "at"`);
  if (input.at !== undefined) problems.push(...instantProblems(definition, input.at, 'the case input'));
  if (!isRecord(input.attributes)) return [...problems, 'the case input needs "attributes", an object of the declared attributes'];
  problems.push(...fieldProblems(definition.attributes, input.attributes, 'attribute', true));
  return problems;
}

/**
 * Problems with an event before it is sent to the machine; empty when it is fine. Checks that the
 * event is declared (or built in) and that its payload has exactly the declared fields, each of the
 * declared type and within its bounds and choices. Whether the current state accepts it is a
 * separate question: see `acceptedEvents` in supervision-case.machine.ts.
 */
export function validateCaseEvent(definition: SupervisionDefinition, event: unknown): string[] {
  if (!isRecord(event) || typeof event.type !== 'string') return ['an event must be an object with a "type", e.g. { "type": "visit.recorded", … }'];
  const { type, at, ...payload } = event;
  const problems = at === undefined ? [] : instantProblems(definition, at, `event "${type}"`);
  if (type === 'period.elapsed') {
    const { obligation, period, ...rest } = payload;
    if (typeof obligation !== 'string') problems.push('event "period.elapsed" needs "obligation", the id of the obligation whose period ended');
    if (typeof period !== 'number' || !Number.isSafeInteger(period) || period < 0) problems.push('event "period.elapsed" needs "period", the number (from 0) of the period that ended');
    for (const key of Object.keys(rest)) problems.push(`unknown field "${key}" in event "period.elapsed"; its fields are "obligation", "period"`);
    return problems;
  }
  if (type === 'attributes.updated') {
    const { attributes, ...rest } = payload;
    for (const key of Object.keys(rest)) problems.push(`unknown field "${key}" in event "attributes.updated"; its only field is "attributes"`);
    if (!isRecord(attributes)) return [...problems, 'event "attributes.updated" needs "attributes", an object of the attributes to change'];
    return [...problems, ...fieldProblems(definition.attributes, attributes, 'attribute', false)];
  }
  const declaration = eventDeclaration(definition, type);
  if (!declaration) {
    return [`event "${type}" is not declared in lifecycle "${definition.metadata.key}"; declared events: ${quoted([...definition.events.map((e) => e.id), ...BUILT_IN_EVENTS])}`];
  }
  return [...problems, ...fieldProblems(declaration.payload, payload, `field of event "${type}"`, true)];
}

export function eventDeclaration(definition: SupervisionDefinition, type: string): EventDeclarationT | undefined {
  return definition.events.find((event) => event.id === type);
}

/**
 * The payload of a declared event as guards see it: the declared fields, a left-out field taking its
 * default. Fields that are neither given nor defaulted are absent (validation refuses such events).
 */
export function payloadOf(declaration: EventDeclarationT | undefined, event: SupervisionEvent): Record<string, AttributeValue> {
  const payload: Record<string, AttributeValue> = {};
  for (const field of declaration?.payload ?? []) {
    const value = event[field.id] ?? field.default;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') payload[field.id] = value;
  }
  return payload;
}

/** The attributes a case starts with: the given ones, the missing ones at their default. */
export function initialAttributes(definition: SupervisionDefinition, input: SupervisionInput): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const attribute of definition.attributes) {
    const value = input.attributes[attribute.id] ?? attribute.default;
    if (value !== undefined) attributes[attribute.id] = value;
  }
  return attributes;
}

function fieldProblems(fields: readonly SupervisionFieldT[], values: Record<string, unknown>, what: string, complete: boolean): string[] {
  const problems: string[] = [];
  const declared = new Map(fields.map((field) => [field.id, field]));
  for (const [key, value] of Object.entries(values)) {
    const field = declared.get(key);
    if (!field || (RESERVED_PAYLOAD_IDS as readonly string[]).includes(key)) {
      problems.push(`unknown ${what} "${key}"; declared: ${quoted(declared.keys())}`);
      continue;
    }
    const problem = valueProblem(field, value);
    if (problem) problems.push(`${what} "${key}" ${problem}`);
  }
  if (complete) {
    for (const field of fields) if (values[field.id] === undefined && field.default === undefined) problems.push(`${what} "${field.id}" is required (${field.type})`);
  }
  return problems;
}

function instantProblems(definition: SupervisionDefinition, at: unknown, where: string): string[] {
  if (typeof at === 'string' && parseInstant(at, definition.utcOffset) !== undefined) return [];
  return [`"at" of ${where} must be a date (YYYY-MM-DD) or a date and time with a zone (e.g. 2025-03-01T09:30:00+08:00), not ${JSON.stringify(at)}`];
}
