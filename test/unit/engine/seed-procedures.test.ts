import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { EngineCommand, EngineContext } from '../../../workflows/engine/types.js';
import { formFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, 'definitions', file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return result.compiled.definition as T;
}

const calendars = [load<CalendarDefinition>('calendars/cn-2026.yaml')];
const payments = (commands: EngineCommand[]) => commands.filter((c): c is Extract<EngineCommand, { type: 'instructPayment' }> => c.type === 'instructPayment');

describe.each([
  'procedures/xiamen-community-correction.yaml',
  'procedures/deqing-community-correction.yaml',
  'procedures/baotou-people-mediation.yaml',
  'procedures/baotou-resettlement.yaml',
  'procedures/xuancheng-community-correction.yaml',
  'procedures/ningxia-community-correction.yaml',
])('the interpreter carries out %s', (file) => {
  const definition = load<ProcedureDefinition>(file);
  const context: EngineContext = { definition, calendars, jurisdiction: definition.metadata.jurisdiction.code };

  it('from launch through every contract to its payments', () => {
    const inputs = formFor(definition.inputs);
    const cycle = new ProcedureDriver(context).start({ scope: 'cycle', inputs }).runToEnd();
    expect(cycle.state.status).toBe('completed');
    const start = cycle.commands.find((c) => c.type === 'startContracts');
    if (start?.type !== 'startContracts') throw new Error('no contracts started');
    expect(start.winners.length).toBeGreaterThan(0);

    for (const winner of start.winners) {
      const contract = new ProcedureDriver(context, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner }).runToEnd();
      expect([contract.state.status, contract.state.endReason]).toEqual(['completed', undefined]);
      const paid = payments(contract.commands);
      expect(paid.length).toBeGreaterThan(0);
      const total = paid.reduce((sum, p) => sum + p.amountFen, 0);
      expect(total).toBeLessThanOrEqual(winner.amountFen);
      for (const payment of paid) {
        expect(Number.isSafeInteger(payment.amountFen)).toBe(true);
        expect(payment.vendorId).toBe(winner.vendorId);
      }
      // Every tranche is paid once.
      expect(new Set(paid.map((p) => p.trancheId)).size).toBe(paid.length);
    }
    // Commands are numbered without gaps: they are the idempotency keys of side effects.
    expect(cycle.commands.map((c) => c.seq)).toEqual(cycle.commands.map((_, i) => i));
  });
});
