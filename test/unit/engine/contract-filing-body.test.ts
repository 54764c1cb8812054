import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { EngineContext } from '../../../workflows/engine/types.js';
import { ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * `contract.filedWith` / `contract.filedIn`: the decision of the filing task (Deqing's `fileContract`,
 * GPL art. 47) records the body the contract was filed with, next to the filing reference entered.
 */

function compiled<T>(file: string, edit: (text: string) => string = (text) => text): T {
  const result = compileDefinition(edit(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')), file);
  if (!result.ok) throw new Error(`${file} does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const calendars = [compiled<CalendarDefinition>('definitions/calendars/cn-2026.yaml')];
const DEQING = 'definitions/procedures/deqing-community-correction.yaml';

/** Runs one Deqing contract through its filing task; the fields its decision recorded. */
function filingRecord(definition: ProcedureDefinition) {
  const context: EngineContext = { definition, calendars, jurisdiction: 'zj-deqing' };
  const cycle = new ProcedureDriver(context).start({ scope: 'cycle', inputs: {} }).runToEnd();
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts') throw new Error('no contracts');
  const contract = new ProcedureDriver(context, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0]! });
  for (let step = 0; step < 200 && contract.state.status === 'running'; step++) {
    const task = contract.openTasks()[0];
    if (!task) {
      contract.fireNextTimer();
      continue;
    }
    contract.decideHappily(task);
    if (task.nodeId === 'fileContract') {
      const closed = contract.commands.find((c) => c.type === 'taskClosed' && c.task.id === task.id);
      return closed?.type === 'taskClosed' ? closed.fields : undefined;
    }
  }
  throw new Error('the contract never reached its filing task');
}

describe('the body a contract is filed with', () => {
  it('is recorded with the filing task’s decision', () => {
    expect(filingRecord(compiled<ProcedureDefinition>(DEQING))).toEqual({ filingReference: expect.any(String), filedWith: 'finance-bureau' });
  });

  it('is not recorded when the definition names none', () => {
    const unnamed = compiled<ProcedureDefinition>(DEQING, (text) => {
      const edited = text.replace('      filedWith: finance-bureau\n      filedIn: fileContract\n', '');
      expect(edited).not.toBe(text);
      return edited;
    });
    expect(filingRecord(unnamed)).toEqual({ filingReference: expect.any(String) });
  });
});
