import type { DocumentPath } from '../diagnostics.js';
import { ExpressionScope, namesRead, type ScalarType, type VariableShape } from '../expressions/expression-language.js';
import type { RuleContext, SemanticRule } from '../rules/rule.js';
import type { EventDeclarationT, SupervisionDefinition, SupervisionFieldT, SupervisionValueTypeT } from './supervision.schema.js';
import { BUILT_IN_EVENTS, CALENDAR_PERIODS, RESERVED_PAYLOAD_IDS } from './supervision-vocabulary.js';

type Context = RuleContext<SupervisionDefinition>;

/* ------------------------------------------------------------------------------------------------
 * Expression scopes. The compiler type-checks guards and `appliesWhen` with exactly the scopes the
 * machine later evaluates them in (workflows/machines/supervision-case.machine.ts imports these), so
 * an expression that compiled can only fail at run time on arithmetic overflow.
 * ---------------------------------------------------------------------------------------------- */

/** What a guard sees of each obligation of its state (for a periodic one: the current period). */
export const OBLIGATION_FIGURES = { met: 'bool', total: 'int', required: 'int', applies: 'bool', missedPeriods: 'int' } as const;

export interface SupervisionScopes {
  /** `appliesWhen`: `attributes.<id>`. */
  readonly attributes: ExpressionScope;
  /** A guard of a transition of the state at `stateIndex` on `eventId`: `attributes`, `event`, `obligations`. */
  guard(stateIndex: number, eventId: string): ExpressionScope;
  /** `countsWhen` of an obligation counting `eventId`: `attributes`, `event`. */
  evidence(eventId: string): ExpressionScope;
}

const scopeCache = new WeakMap<SupervisionDefinition, SupervisionScopes>();

/**
 * The typed variables of every expression place of a definition. Scopes are built once per place and
 * cached per definition object (building one is the expensive part of CEL).
 */
export function supervisionScopes(definition: SupervisionDefinition): SupervisionScopes {
  const cached = scopeCache.get(definition);
  if (cached) return cached;
  const attributes = shapeOf(definition.attributes);
  const guards = new Map<string, ExpressionScope>();
  const evidence = new Map<string, ExpressionScope>();
  const payloadShape = (eventId: string) => shapeOf(definition.events.find((event) => event.id === eventId)?.payload ?? []);
  const scopes: SupervisionScopes = {
    attributes: new ExpressionScope({ attributes }),
    guard(stateIndex, eventId) {
      const key = `${stateIndex}\u0000${eventId}`;
      let scope = guards.get(key);
      if (!scope) {
        const obligations: Record<string, VariableShape> = {};
        for (const obligation of definition.states[stateIndex]?.obligations ?? []) obligations[obligation.id] = OBLIGATION_FIGURES;
        scope = new ExpressionScope({ attributes, event: payloadShape(eventId), obligations });
        guards.set(key, scope);
      }
      return scope;
    },
    evidence(eventId) {
      let scope = evidence.get(eventId);
      if (!scope) {
        scope = new ExpressionScope({ attributes, event: payloadShape(eventId) });
        evidence.set(eventId, scope);
      }
      return scope;
    },
  };
  scopeCache.set(definition, scopes);
  return scopes;
}

function shapeOf(fields: readonly SupervisionFieldT[]): Record<string, ScalarType> {
  const shape: Record<string, ScalarType> = {};
  for (const field of fields) shape[field.id] = field.type;
  return shape;
}

/* ------------------------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------------------------- */

const quoted = (ids: Iterable<string>) => {
  const all = [...ids].map((id) => `"${id}"`);
  return all.length > 0 ? all.join(', ') : '(none declared)';
};

function reportDuplicates(context: Context, entries: ReadonlyArray<{ id: string; path: DocumentPath }>, what: string): void {
  const first = new Map<string, DocumentPath>();
  for (const { id, path } of entries) {
    const earlier = first.get(id);
    if (earlier) {
      const { line } = context.source.locate(earlier);
      context.report(path, `${what} "${id}" is declared twice (first on line ${line}); give each one its own id`);
    } else first.set(id, path);
  }
}

/** Transitions that lead somewhere existing, as a graph of state ids. */
function successors(definition: SupervisionDefinition): Map<string, string[]> {
  const ids = new Set(definition.states.map((state) => state.id));
  const graph = new Map<string, string[]>();
  for (const state of definition.states) {
    const next = graph.get(state.id) ?? [];
    for (const transition of state.on) if (transition.target !== undefined && ids.has(transition.target)) next.push(transition.target);
    graph.set(state.id, next);
  }
  return graph;
}

function reachableFrom(graph: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const next of graph.get(id) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/**
 * Whether `initial` and every target name a declared state. When not, PF-SUP-INITIAL / PF-SUP-TARGET
 * report the cause, and PF-SUP-FINAL does not add "could never close" for the same typo. (A state
 * that a misspelt target leaves unreachable is still reported: it often names the intended target.)
 */
function graphIsComplete(definition: SupervisionDefinition): boolean {
  const ids = new Set(definition.states.map((state) => state.id));
  return ids.has(definition.initial) && definition.states.every((state) => state.on.every((t) => t.target === undefined || ids.has(t.target)));
}

const isBuiltIn = (eventId: string) => (BUILT_IN_EVENTS as readonly string[]).includes(eventId);

/* ------------------------------------------------------------------------------------------------
 * Rules
 * ---------------------------------------------------------------------------------------------- */

const uniqueIds: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-UNIQUE',
  description: 'Attribute, role, event and state ids are unique, and so are the obligation ids of a state and the payload field ids of an event.',
  check(context) {
    const d = context.definition;
    reportDuplicates(context, d.attributes.map((a, i) => ({ id: a.id, path: ['attributes', i, 'id'] })), 'attribute');
    reportDuplicates(context, d.roles.map((r, i) => ({ id: r.id, path: ['roles', i, 'id'] })), 'role');
    reportDuplicates(context, d.events.map((e, i) => ({ id: e.id, path: ['events', i, 'id'] })), 'event');
    reportDuplicates(context, d.states.map((s, i) => ({ id: s.id, path: ['states', i, 'id'] })), 'state');
    d.states.forEach((state, s) =>
      reportDuplicates(
        context,
        state.obligations.map((o, i) => ({ id: o.id, path: ['states', s, 'obligations', i, 'id'] })),
        `obligation of state "${state.id}"`,
      ),
    );
    d.events.forEach((event, e) =>
      reportDuplicates(context, event.payload.map((f, i) => ({ id: f.id, path: ['events', e, 'payload', i, 'id'] })), `payload field of event "${event.id}"`),
    );
  },
};

const initialState: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-INITIAL',
  description: '`initial` names a declared state that is not final.',
  check(context) {
    const d = context.definition;
    const state = d.states.find((candidate) => candidate.id === d.initial);
    if (!state) {
      context.report(['initial'], `initial state "${d.initial}" is not declared; choose one of the states: ${quoted(d.states.map((s) => s.id))}`);
    } else if (state.type === 'final') {
      context.report(['initial'], `initial state "${d.initial}" is final, so a case would end as soon as it opens; start in a state where supervision happens`);
    }
  },
};

const transitionEvents: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-EVENT',
  description: 'Transitions name declared events; declared events do not reuse the built-in names period.elapsed and attributes.updated.',
  check(context) {
    const d = context.definition;
    const declared = new Set(d.events.map((event) => event.id));
    d.events.forEach((event, e) => {
      if (isBuiltIn(event.id)) {
        context.report(
          ['events', e, 'id'],
          `event "${event.id}" is built in (the machine handles ${quoted(BUILT_IN_EVENTS)} itself); remove this declaration or choose another id`,
        );
      }
    });
    d.states.forEach((state, s) =>
      state.on.forEach((transition, t) => {
        if (isBuiltIn(transition.event)) {
          context.report(
            ['states', s, 'on', t, 'event'],
            `"${transition.event}" is handled by the machine itself and cannot trigger a transition; use one of the declared events: ${quoted(declared)}`,
          );
        } else if (!declared.has(transition.event)) {
          context.report(
            ['states', s, 'on', t, 'event'],
            `event "${transition.event}" is not declared under "events"; declare it or use one of: ${quoted(declared)}`,
          );
        }
      }),
    );
  },
};

const transitionTargets: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-TARGET',
  description: 'Every transition target is a declared state.',
  check(context) {
    const d = context.definition;
    const ids = d.states.map((state) => state.id);
    d.states.forEach((state, s) =>
      state.on.forEach((transition, t) => {
        if (transition.target !== undefined && !ids.includes(transition.target)) {
          context.report(['states', s, 'on', t, 'target'], `target state "${transition.target}" is not declared; choose one of: ${quoted(ids)}`);
        }
      }),
    );
  },
};

const measures: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-MEASURE',
  description: 'An obligation counts a declared event, and `measure.sum` / `measure.max` name a whole-number payload field of that event.',
  check(context) {
    const d = context.definition;
    const events = new Map<string, EventDeclarationT>();
    for (const event of d.events) if (!events.has(event.id)) events.set(event.id, event);
    d.states.forEach((state, s) =>
      state.obligations.forEach((obligation, o) => {
        const path = ['states', s, 'obligations', o];
        const event = events.get(obligation.event);
        if (!event || isBuiltIn(obligation.event)) {
          context.report([...path, 'event'], `obligation "${obligation.id}" counts event "${obligation.event}", which is not declared; use one of: ${quoted(events.keys())}`);
          return;
        }
        const measure = obligation.measure;
        if ('count' in measure) return;
        const [kind, fieldId] = 'sum' in measure ? (['sum', measure.sum] as const) : (['max', measure.max] as const);
        const field = event.payload.find((f) => f.id === fieldId);
        const ints = event.payload.filter((f) => f.type === 'int').map((f) => f.id);
        if (!field) {
          context.report(
            [...path, 'measure', kind],
            `event "${event.id}" has no payload field "${fieldId}"; its whole-number fields are: ${quoted(ints)}`,
          );
        } else if (field.type !== 'int') {
          context.report(
            [...path, 'measure', kind],
            `payload field "${fieldId}" of event "${event.id}" is ${field.type}, not a whole number, so it cannot be measured; use one of: ${quoted(ints)}, or "count: true"`,
          );
        }
      }),
    );
  },
};

const fields: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-FIELD',
  description: 'Attributes and payload fields use bounds only on whole numbers and choices only on text, with a default that fits; payload fields do not use the reserved names type and at.',
  check(context) {
    const d = context.definition;
    d.attributes.forEach((attribute, a) => checkField(context, attribute, ['attributes', a], 'attribute'));
    d.events.forEach((event, e) =>
      event.payload.forEach((field, f) => {
        const path = ['events', e, 'payload', f];
        if ((RESERVED_PAYLOAD_IDS as readonly string[]).includes(field.id)) {
          context.report([...path, 'id'], `payload field "${field.id}" of event "${event.id}" uses a reserved name (${quoted(RESERVED_PAYLOAD_IDS)}); rename it`);
        }
        checkField(context, field, path, `payload field of event "${event.id}"`);
      }),
    );
  },
};

function checkField(context: Context, field: SupervisionFieldT, path: DocumentPath, what: string): void {
  const name = `${what} "${field.id}"`;
  for (const bound of ['min', 'max'] as const) {
    if (field[bound] !== undefined && field.type !== 'int') {
      context.report([...path, bound], `${name} is ${field.type}; "${bound}" applies only to whole numbers (type int), remove it`);
    }
  }
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
    context.report([...path, 'max'], `${name} has max ${field.max} below its min ${field.min}; no value could satisfy both`);
  }
  if (field.oneOf !== undefined && field.type !== 'string') {
    context.report([...path, 'oneOf'], `${name} is ${field.type}; "oneOf" applies only to text (type string), remove it`);
  }
  if (field.default !== undefined) {
    const problem = valueProblem(field, field.default);
    if (problem) context.report([...path, 'default'], `the default of ${name} ${problem}`);
  }
}

/** Why `value` does not fit `field`, or undefined when it does. Shared with the machine's event validation. */
export function valueProblem(field: SupervisionFieldT, value: unknown): string | undefined {
  const typeName: Record<SupervisionValueTypeT, string> = {
    int: 'a whole number',
    string: 'text',
    bool: 'true or false',
    date: 'a date written YYYY-MM-DD',
  };
  const fits =
    field.type === 'int'
      ? typeof value === 'number' && Number.isSafeInteger(value)
      : field.type === 'bool'
        ? typeof value === 'boolean'
        : field.type === 'date'
          ? typeof value === 'string' && isCalendarDate(value)
          : typeof value === 'string';
  if (!fits) return `must be ${typeName[field.type]}, not ${JSON.stringify(value) ?? String(value)}`;
  if (typeof value === 'number') {
    if (field.min !== undefined && value < field.min) return `must be at least ${field.min}, not ${value}`;
    if (field.max !== undefined && value > field.max) return `must be at most ${field.max}, not ${value}`;
  }
  if (typeof value === 'string' && field.type === 'string' && field.oneOf && !field.oneOf.includes(value)) {
    return `must be one of ${quoted(field.oneOf)}, not "${value}"`;
  }
  // Counted in characters as people count them (a Chinese character is one), not UTF-16 units.
  if (typeof value === 'string' && field.maxLength !== undefined && [...value].length > field.maxLength) {
    return `must be at most ${field.maxLength} characters long, not ${[...value].length}`;
  }
  return undefined;
}

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const periods: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-PERIOD',
  description: 'A periodic obligation has a period longer than nothing; calendar alignment is used only with a calendar period (P1D, P1W, P15D, P1M, P3M, P1Y).',
  check(context) {
    context.definition.states.forEach((state, s) =>
      state.obligations.forEach((obligation, o) => {
        const path = ['states', s, 'obligations', o];
        if (obligation.per === 'state') {
          if (obligation.alignment === 'calendar') {
            context.report([...path, 'alignment'], `obligation "${obligation.id}" is counted over the whole stay ("per: state"); calendar alignment needs a period such as ${quoted(CALENDAR_PERIODS)}`);
          }
          return;
        }
        if (!/[1-9]/.test(obligation.per)) {
          context.report([...path, 'per'], `obligation "${obligation.id}" has an empty period "${obligation.per}"; use a length such as "P1M" or "P1W", or "state"`);
        } else if (obligation.alignment === 'calendar' && !(CALENDAR_PERIODS as readonly string[]).includes(obligation.per)) {
          context.report(
            [...path, 'per'],
            `obligation "${obligation.id}" follows the calendar, which has no period "${obligation.per}"; use one of ${quoted(CALENDAR_PERIODS)}, or "alignment: rolling"`,
          );
        }
      }),
    );
  },
};

const reachable: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-REACHABLE',
  description: 'Every state can be reached from the initial state.',
  check(context) {
    const d = context.definition;
    if (!d.states.some((state) => state.id === d.initial)) return; // PF-SUP-INITIAL reports it
    const seen = reachableFrom(successors(d), d.initial);
    d.states.forEach((state, s) => {
      if (!seen.has(state.id)) {
        context.report(['states', s, 'id'], `state "${state.id}" can never be reached from the initial state "${d.initial}"; add a transition to it or remove it`);
      }
    });
  },
};

const finalStates: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-FINAL',
  description: 'There is a final state, one is reachable from every state, and final states have no obligations and no transitions.',
  check(context) {
    const d = context.definition;
    const finals = d.states.filter((state) => state.type === 'final').map((state) => state.id);
    if (finals.length === 0) {
      context.report(['states'], 'no state is final, so no case could ever close; mark the closing states (e.g. released) with "type: final"');
      return;
    }
    const graph = successors(d);
    const complete = graphIsComplete(d);
    d.states.forEach((state, s) => {
      if (state.type === 'final') {
        if (state.obligations.length > 0) {
          context.report(['states', s, 'obligations'], `final state "${state.id}" ends the case, so nothing can be required in it; remove its obligations`);
        }
        if (state.on.length > 0) context.report(['states', s, 'on'], `final state "${state.id}" ends the case, so it cannot be left; remove its transitions`);
        return;
      }
      if (!complete) return;
      const ahead = reachableFrom(graph, state.id);
      if (!finals.some((id) => ahead.has(id))) {
        context.report(['states', s, 'id'], `a case in state "${state.id}" could never close: no final state (${quoted(finals)}) can be reached from it; add a transition towards one`);
      }
    });
  },
};

const shadowed: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-SHADOWED',
  description: 'No transition is listed after an unguarded transition on the same event of the same state, where it could never be taken.',
  check(context) {
    context.definition.states.forEach((state, s) => {
      const unguarded = new Map<string, number>();
      state.on.forEach((transition, t) => {
        const earlier = unguarded.get(transition.event);
        if (earlier !== undefined) {
          context.report(
            ['states', s, 'on', t],
            `this transition on "${transition.event}" can never be taken: transition ${earlier + 1} of state "${state.id}" takes that event without a guard; move this one up or give the earlier one a guard`,
          );
        } else if (transition.guard === undefined) unguarded.set(transition.event, t);
      });
    });
  },
};

const expressions: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-EXPR',
  description: 'Guards, appliesWhen and countsWhen are valid CEL giving true/false over the variables of their place: attributes, event (the payload), obligations.',
  check(context) {
    const d = context.definition;
    const scopes = supervisionScopes(d);
    const check = (scope: ExpressionScope, expression: string, path: DocumentPath, variables: string) => {
      const result = scope.check(expression, 'bool');
      if (result.ok) return;
      context.report(path, `${result.message} in: ${expression} — available here: ${variables}`, result.offset);
    };
    const attributes = d.attributes.map((a) => `attributes.${a.id}`);
    const payloadVariables = (eventId: string) => d.events.find((event) => event.id === eventId)?.payload.map((f) => `event.${f.id}`) ?? [];
    d.states.forEach((state, s) => {
      const obligations = state.obligations.map((o) => `obligations.${o.id}.{${Object.keys(OBLIGATION_FIGURES).join(',')}}`);
      state.obligations.forEach((obligation, o) => {
        if (obligation.appliesWhen !== undefined) {
          check(scopes.attributes, obligation.appliesWhen, ['states', s, 'obligations', o, 'appliesWhen'], attributes.join(', ') || 'no attributes are declared');
        }
        if (obligation.countsWhen !== undefined) {
          const variables = [...attributes, ...payloadVariables(obligation.event)].join(', ') || 'none';
          check(scopes.evidence(obligation.event), obligation.countsWhen, ['states', s, 'obligations', o, 'countsWhen'], variables);
        }
      });
      state.on.forEach((transition, t) => {
        if (transition.guard === undefined) return;
        const variables = [...attributes, ...payloadVariables(transition.event), ...obligations].join(', ') || 'none';
        check(scopes.guard(s, transition.event), transition.guard, ['states', s, 'on', t, 'guard'], variables);
      });
    });
  },
};

/** Every payload field and attribute with where it sits, for the rules that look at all of them. */
function locatedFields(d: SupervisionDefinition): Array<{ field: SupervisionFieldT; path: DocumentPath; what: string }> {
  return [
    ...d.attributes.map((field, a) => ({ field: field as SupervisionFieldT, path: ['attributes', a] as DocumentPath, what: `attribute "${field.id}"` })),
    ...d.events.flatMap((event, e) =>
      event.payload.map((field, f) => ({ field, path: ['events', e, 'payload', f] as DocumentPath, what: `payload field "${field.id}" of event "${event.id}"` })),
    ),
  ];
}

const caseRoles: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-ROLE',
  description: 'Every role an event\'s `recordedBy`, a confidential field\'s `readableBy` or an obligation\'s `onMissed.raise.role` names is declared under `roles`, and no list names a role twice.',
  check(context) {
    const d = context.definition;
    const declared = new Set(d.roles.map((role) => role.id));
    const checkList = (roles: readonly string[], path: DocumentPath, where: string) => {
      const seen = new Set<string>();
      roles.forEach((role, i) => {
        if (!declared.has(role)) {
          context.report([...path, i], `role "${role}" (${where}) is not declared under "roles"; declared roles: ${quoted(declared)}`);
        } else if (seen.has(role)) {
          context.report([...path, i], `role "${role}" is listed twice (${where}); name each role once`);
        }
        seen.add(role);
      });
    };
    d.events.forEach((event, e) => {
      if (event.recordedBy) checkList(event.recordedBy, ['events', e, 'recordedBy'], `who records event "${event.id}"`);
    });
    for (const { field, path, what } of locatedFields(d)) {
      if (field.confidential) checkList(field.confidential.readableBy, [...path, 'confidential', 'readableBy'], `who reads ${what}`);
    }
    d.states.forEach((state, s) =>
      state.obligations.forEach((obligation, o) => {
        const role = obligation.onMissed?.raise.role;
        if (role !== undefined && !declared.has(role)) {
          context.report(
            ['states', s, 'obligations', o, 'onMissed', 'raise', 'role'],
            `role "${role}" (who gets the task a missed "${obligation.id}" raises) is not declared under "roles"; declared roles: ${quoted(declared)}`,
          );
        }
      }),
    );
  },
};

const recordedBy: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-RECORDED-BY',
  description: 'Once `roles` is declared, every declared event names the roles that record it (`recordedBy`), so no one records an event no one was meant to.',
  check(context) {
    const d = context.definition;
    if (d.roles.length === 0) return;
    d.events.forEach((event, e) => {
      if (event.recordedBy === undefined) {
        context.report(
          ['events', e, 'recordedBy'],
          `event "${event.id}" does not say who records it; add "recordedBy" with some of the declared roles: ${quoted(d.roles.map((role) => role.id))}`,
        );
      }
    });
  },
};

const maxLength: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-MAXLENGTH',
  description: '`maxLength` is given only on free text: a field of type string without `oneOf`.',
  check(context) {
    for (const { field, path, what } of locatedFields(context.definition)) {
      if (field.maxLength === undefined) continue;
      if (field.type !== 'string') {
        context.report([...path, 'maxLength'], `${what} is ${field.type}; "maxLength" applies only to free text (type string), remove it`);
      } else if (field.oneOf !== undefined) {
        context.report([...path, 'maxLength'], `${what} is one of ${quoted(field.oneOf)}, not free text; "maxLength" applies only to text without "oneOf", remove it`);
      }
    }
  },
};

/** Where an expression reads `reference` (a dotted variable path), as a whole name. */
function referenceOffset(expression: string, reference: string): number | undefined {
  const escaped = reference.replace(/[.]/g, '\\s*\\.\\s*');
  return new RegExp(`(?<![\\w.])${escaped}(?![\\w])`).exec(expression)?.index;
}

const confidentialFields: SemanticRule<SupervisionDefinition> = {
  id: 'PF-SUP-CONFIDENTIAL',
  description: 'No guard, `countsWhen` or `appliesWhen` reads a confidential field: the transition or count it decides would tell everyone what the field holds.',
  check(context) {
    const d = context.definition;
    const secretAttributes = d.attributes.filter((attribute) => attribute.confidential);
    const secretPayload = (eventId: string) => d.events.find((event) => event.id === eventId)?.payload.filter((field) => field.confidential) ?? [];
    const check = (expression: string, path: DocumentPath, secrets: ReadonlyArray<{ reference: string; field: SupervisionFieldT }>) => {
      const read = new Set(namesRead(expression));
      for (const { reference, field } of secrets) {
        if (!read.has(reference)) continue;
        context.report(
          path,
          `${reference} is confidential (readable by ${quoted(field.confidential?.readableBy ?? [])} only); an expression reading it would reveal it to everyone who sees where the case goes — decide on it outside the lifecycle`,
          referenceOffset(expression, reference),
        );
      }
    };
    const attributeSecrets = secretAttributes.map((field) => ({ reference: `attributes.${field.id}`, field: field as SupervisionFieldT }));
    const eventSecrets = (eventId: string) => secretPayload(eventId).map((field) => ({ reference: `event.${field.id}`, field }));
    d.states.forEach((state, s) => {
      state.obligations.forEach((obligation, o) => {
        const path = ['states', s, 'obligations', o];
        if (obligation.appliesWhen !== undefined) check(obligation.appliesWhen, [...path, 'appliesWhen'], attributeSecrets);
        if (obligation.countsWhen !== undefined) check(obligation.countsWhen, [...path, 'countsWhen'], [...attributeSecrets, ...eventSecrets(obligation.event)]);
      });
      state.on.forEach((transition, t) => {
        if (transition.guard !== undefined) check(transition.guard, ['states', s, 'on', t, 'guard'], [...attributeSecrets, ...eventSecrets(transition.event)]);
      });
    });
  },
};

/** Every semantic rule of the SupervisionLifecycle kind, in the order of the language reference. */
export const supervisionRules: SemanticRule<SupervisionDefinition>[] = [
  uniqueIds,
  initialState,
  transitionEvents,
  transitionTargets,
  measures,
  fields,
  periods,
  reachable,
  finalStates,
  shadowed,
  expressions,
  caseRoles,
  recordedBy,
  maxLength,
  confidentialFields,
];
