import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initialTransition, transition } from 'xstate';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../../src/definitions/supervision/supervision.schema.js';
import { casePaths } from '../../../workflows/machines/case-paths.js';
import { validateCaseEvent, validateCaseInput } from '../../../workflows/machines/supervision-case.events.js';
import { createSupervisionMachine } from '../../../workflows/machines/supervision-case.machine.js';

const SEED_FILE = fileURLToPath(new URL('../../../definitions/supervision/community-correction-case.yaml', import.meta.url));

function compileSeed(): SupervisionDefinition {
  const result = compileDefinition(readFileSync(SEED_FILE, 'utf8'), 'community-correction-case.yaml');
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.compiled.definition as SupervisionDefinition;
}

const definition = compileSeed();
const machine = createSupervisionMachine(definition);

describe('model-based paths of the community-correction lifecycle', () => {
  const toFinal = casePaths(definition, 'final');
  const toEvery = casePaths(definition, 'every');

  it.each(toFinal.map((path) => [path.states.join(' → '), path] as const))('replays %s through the pure machine to the state it names', (_, path) => {
    expect(validateCaseInput(definition, path.input)).toEqual([]);
    let [snapshot] = initialTransition(machine, path.input);
    for (const event of path.events) {
      // Every generated payload is one the host would accept.
      expect(validateCaseEvent(definition, event)).toEqual([]);
      [snapshot] = transition(machine, snapshot, event);
    }
    expect(snapshot.value).toBe(path.target);
    expect(snapshot.status).toBe('done');
  });

  it('reaches every final state, and every state, by some path', () => {
    const finals = definition.states.filter((state) => state.type === 'final').map((state) => state.id);
    expect(new Set(toFinal.map((path) => path.target))).toEqual(new Set(finals));
    expect(new Set(toEvery.map((path) => path.target))).toEqual(new Set(definition.states.map((state) => state.id)));
  });

  it('fulfils intake by evidence before intake completes (seeds 001, 002, 004)', () => {
    const released = toFinal.find((path) => path.target === 'released' && path.states.join() === 'intake,supervised,released');
    expect(released?.events.map((event) => event.type)).toEqual([
      'archive.created',
      'intakeEducation.recorded',
      'psychTest.recorded',
      'correctionGroup.formed',
      'intake.completed',
      'sentence.completed',
    ]);
    // The largest valid amount is used: one record of 10 days (the field's max) meets the 3 days.
    expect(released?.events[1]).toMatchObject({ days: 10 });
  });

  it('enumerates each simple path once: intake → supervised ⇄ awaitingRuling and out', () => {
    expect(toFinal.map((path) => path.states.join(' → ')).sort()).toEqual(
      [
        'intake → deceased',
        'intake → revoked',
        'intake → transferredOut',
        'intake → supervised → awaitingRuling → deceased',
        'intake → supervised → awaitingRuling → released',
        'intake → supervised → awaitingRuling → revoked',
        'intake → supervised → deceased',
        'intake → supervised → released',
        'intake → supervised → revoked',
        'intake → supervised → transferredOut',
      ].sort(),
    );
  });
});
