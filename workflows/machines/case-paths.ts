import { getSimplePaths } from '@xstate/graph';
import { namesRead } from '../../src/definitions/expressions/expression-language.js';
import { fromTransition, initialTransition, transition } from 'xstate';
import type { SupervisionDefinition, SupervisionFieldT } from '../../src/definitions/supervision/supervision.schema.js';
import { type AttributeValue, createSupervisionMachine, obligationStatus, type SupervisionEvent, type SupervisionInput, type SupervisionSnapshot } from './supervision-case.machine.js';

/**
 * Model-based paths through a compiled SupervisionLifecycle: every simple path (no state twice) from
 * the initial state, each a list of events a host can replay — through the pure machine here, or
 * through the case workflow — and the state it must end in.
 *
 * Pure and deterministic: instants come from a fixed start, one day per event. Enumeration runs the
 * real machine, so a path exists only if the machine really takes it: a guarded transition is
 * preceded by evidence events that fulfil the obligations of its state, and every payload is
 * generated from the event's declaration (within min/max, one of `oneOf`, within `maxLength`).
 * @xstate/graph walks a logic whose steps are "take this transition of the definition": a step
 * is the evidence plus the triggering event, so the graph is the definition's state graph and the
 * walk stays finite however many events a step needs.
 */

export interface CasePath {
  /** The state the case must be in after the last event. */
  readonly target: string;
  /** The states entered, from the initial one to `target`. */
  readonly states: readonly string[];
  readonly input: SupervisionInput;
  readonly events: readonly SupervisionEvent[];
}

export interface CasePathOptions {
  /** When the case opens; later events follow a day apart. */
  readonly start?: string;
}

/** A transition of the definition taken with everything it needs first. */
interface Step {
  readonly type: 'step';
  readonly from: string;
  readonly to: string;
  readonly events: readonly SupervisionEvent[];
}

interface Walk {
  readonly snapshot: SupervisionSnapshot;
  /** Days since the start, for the next event's date. */
  readonly day: number;
}

/** Attributes a case can open with: each attribute's default, or a valid sample value. */
export function sampleCaseInput(definition: SupervisionDefinition, start = '2025-03-03'): SupervisionInput {
  const attributes: Record<string, AttributeValue> = {};
  for (const attribute of definition.attributes) attributes[attribute.id] = attribute.default ?? sampleValues(attribute, start)[0] ?? '';
  return { attributes, at: `${start}T09:00:00+08:00` };
}

/** Valid values of a field, the first being the plain sample; choices and booleans give each alternative. */
function sampleValues(field: SupervisionFieldT, date: string): AttributeValue[] {
  switch (field.type) {
    case 'int': {
      const low = field.min ?? Math.min(1, field.max ?? 1);
      const high = field.max ?? Math.max(low, 8);
      return [...new Set([low, high])];
    }
    case 'bool':
      return [false, true];
    case 'date':
      return [date];
    case 'string':
      if (field.oneOf) return [...field.oneOf];
      return ['样例记录'.slice(0, field.maxLength ?? 4)];
  }
}

/** Payloads of a declared event: the plain one first, then each field varied through its alternatives. */
function samplePayloads(definition: SupervisionDefinition, eventId: string, date: string): Record<string, AttributeValue>[] {
  const fields = definition.events.find((event) => event.id === eventId)?.payload ?? [];
  const plain: Record<string, AttributeValue> = {};
  for (const field of fields) plain[field.id] = sampleValues(field, date)[0] ?? '';
  const variants = [plain];
  for (const field of fields) {
    for (const value of sampleValues(field, date).slice(1)) variants.push({ ...plain, [field.id]: value });
  }
  return variants;
}

const dateAfter = (start: string, days: number) => new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Every simple path from the initial state to each state (`to: 'every'`) or to each final state
 * (`to: 'final'`), shortest first for each target. Throws when the definition's input cannot open a case.
 */
export function casePaths(definition: SupervisionDefinition, to: 'final' | 'every' = 'final', options: CasePathOptions = {}): CasePath[] {
  const start = options.start ?? '2025-03-03';
  const machine = createSupervisionMachine(definition);
  const input = sampleCaseInput(definition, start);
  const [opened] = initialTransition(machine, input);
  if (opened.status === 'error') throw new Error(`cannot open a sample case: ${String((opened.error as Error).message)}`);

  /** An event stamped with the walk's next day. */
  const stamped = (type: string, payload: Record<string, AttributeValue>, day: number): SupervisionEvent => ({
    type,
    ...payload,
    at: `${dateAfter(start, day)}T10:00:00+08:00`,
  });
  const stateOf = (snapshot: SupervisionSnapshot) => String(snapshot.value);

  /** Evidence that meets each unmet obligation the guard reads, then the event that takes `target`. */
  const stepTowards = (walk: Walk, event: string, target: string, guard: string | undefined): { step: Step; walk: Walk } | undefined => {
    let { snapshot, day } = walk;
    const from = stateOf(snapshot);
    const events: SupervisionEvent[] = [];
    const demanded = new Set(guard === undefined ? [] : namesRead(guard));
    for (const obligation of obligationStatus(snapshot, definition)) {
      if (!demanded.has(`obligations.${obligation.id}`)) continue;
      for (let attempts = 0; !obligation.met && attempts < 100; attempts++) {
        const current = obligationStatus(snapshot, definition).find((o) => o.id === obligation.id);
        if (!current || current.met) break;
        // The payload that adds most to the obligation (countsWhen may demand a particular one).
        const totalOf = (next: SupervisionSnapshot) => obligationStatus(next, definition).find((o) => o.id === obligation.id)?.total ?? 0;
        const counted = samplePayloads(definition, obligation.event, dateAfter(start, day))
          .map((payload) => stamped(obligation.event, payload, day))
          .map((candidate) => ({ candidate, next: transition(machine, snapshot, candidate)[0] }))
          .filter(({ next }) => totalOf(next) > current.total)
          .sort((a, b) => totalOf(b.next) - totalOf(a.next))[0];
        if (!counted) break;
        events.push(counted.candidate);
        snapshot = counted.next;
        day += 1;
      }
    }
    for (const payload of samplePayloads(definition, event, dateAfter(start, day))) {
      const candidate = stamped(event, payload, day);
      const [next] = transition(machine, snapshot, candidate);
      if (stateOf(next) === target && next.context.stay.sequence > snapshot.context.stay.sequence) {
        return { step: { type: 'step', from, to: target, events: [...events, candidate] }, walk: { ...walk, snapshot: next, day: day + 1 } };
      }
    }
    return undefined;
  };

  const logic = fromTransition(
    // Replays the step's events: the machine is deterministic, so this is the walk `events` computed.
    (walk: Walk, step: Step) => ({
      snapshot: step.events.reduce((snapshot, event) => transition(machine, snapshot, event)[0], walk.snapshot),
      day: walk.day + step.events.length,
    }),
    { snapshot: opened, day: 1 } as Walk,
  );

  const paths = getSimplePaths(logic, {
    serializeState: (walk) => stateOf(walk.context.snapshot),
    serializeEvent: (step) => `${step.from}->${step.to} on ${step.events[step.events.length - 1]?.type ?? ''}`,
    events: (walk) => {
      const state = definition.states.find((candidate) => candidate.id === stateOf(walk.context.snapshot));
      const steps: Step[] = [];
      for (const t of state?.on ?? []) {
        if (t.target === undefined) continue;
        const taken = stepTowards(walk.context, t.event, t.target, t.guard);
        if (taken) steps.push(taken.step);
      }
      return steps;
    },
  });

  const finals = new Set(definition.states.filter((state) => state.type === 'final').map((state) => state.id));
  return paths
    .map((path) => {
      // The walk's own start (xstate.init) is a step too; only the definition's transitions carry events.
      const taken = path.steps.filter((step) => step.event.type === 'step');
      return {
        target: stateOf(path.state.context.snapshot),
        states: [definition.initial, ...taken.map((step) => stateOf(step.state.context.snapshot))],
        input,
        events: taken.flatMap((step) => step.event.events),
      };
    })
    .filter((path) => to === 'every' || finals.has(path.target))
    .sort((a, b) => a.target.localeCompare(b.target) || a.events.length - b.events.length || a.states.join().localeCompare(b.states.join()));
}
