import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lifecycleText, offsetForMidnightAt } from '../../../bench/src/scenarios/case-scale.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../../src/definitions/supervision/supervision.schema.js';
import { parseInstant, periodEnd } from '../../../workflows/machines/obligation-periods.js';

const SEED = readFileSync(fileURLToPath(new URL('../../../definitions/supervision/community-correction-case.yaml', import.meta.url)), 'utf8');

describe('case-scale bench: the boundary it arranges', () => {
  it('finds the offset in which local midnight falls at a given UTC minute, within the schema’s ±14:59', () => {
    expect(offsetForMidnightAt(Date.UTC(2026, 10, 28, 13, 40))).toBe('-13:40');
    expect(offsetForMidnightAt(Date.UTC(2026, 10, 28, 0, 0))).toBe('+00:00');
    expect(offsetForMidnightAt(Date.UTC(2026, 10, 28, 14, 59))).toBe('-14:59');
    expect(offsetForMidnightAt(Date.UTC(2026, 10, 28, 15, 0))).toBe('+09:00');
    expect(offsetForMidnightAt(Date.UTC(2026, 10, 28, 23, 59))).toBe('+00:01');
    for (let minute = 0; minute < 24 * 60; minute += 7) {
      const instant = Date.UTC(2026, 10, 28) + minute * 60_000;
      const offset = offsetForMidnightAt(instant);
      expect(offset).toMatch(/^[+-](0\d|1[0-4]):[0-5]\d$/);
      // A day period started a minute before ends exactly there.
      expect(parseInstant(periodEnd(new Date(instant - 60_000).toISOString(), 'P1D', 'calendar', offset) as string, offset)).toBe(instant);
    }
  });

  it('derives a lifecycle that compiles: the seed with cases starting under supervision and daily instead of monthly periods', () => {
    const compiled = compileDefinition(lifecycleText(SEED, 'bench-case-scale-0a1b2c3d', '-13:40'), 'bench-case-scale.yaml');
    expect(compiled.diagnostics).toEqual([]);
    if (!compiled.ok) return;
    const definition = compiled.compiled.definition as SupervisionDefinition;
    expect(definition).toMatchObject({ metadata: { key: 'bench-case-scale-0a1b2c3d' }, utcOffset: '-13:40', initial: 'supervised' });
    const supervised = definition.states.find((state) => state.id === 'supervised');
    expect(supervised?.obligations.map((o) => [o.id, o.per, o.onMissed?.raise.role])).toEqual([
      ['education', 'P1D', 'judicial-office'],
      ['communityService', 'P1D', 'judicial-office'],
      ['homeVisit', 'P1D', 'judicial-office'],
      ['keyPersonVisit', 'P15D', 'judicial-office'],
      ['phoneFollowUp', 'P1W', 'judicial-office'],
    ]);
  });
});
