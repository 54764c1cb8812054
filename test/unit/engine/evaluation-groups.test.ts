import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { EngineContext } from '../../../workflows/engine/types.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

/**
 * `performance.evaluation.indicators[].group`: the evaluation reports a score per group (business 业务指标,
 * financial 财务指标 — seed 001 §二(六)) besides the whole, with the decision and to expressions, so an
 * evaluation result notice can publish them. Xiamen's indicators: serviceQuantity 40 and serviceQuality 40
 * (business), fundUseEfficiency 20 (financial); scored 60, 55 and 50.
 */

function compiled<T>(file: string, edit: (text: string) => string = (text) => text): T {
  const result = compileDefinition(edit(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')), file);
  if (!result.ok) throw new Error(`${file} does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const calendars = [compiled<CalendarDefinition>('definitions/calendars/cn-2026.yaml')];
const XIAMEN = 'definitions/procedures/xiamen-community-correction.yaml';
const SCORES = { serviceQuantity: 60, serviceQuality: 55, fundUseEfficiency: 50 };

/** Runs one Xiamen contract up to and through its evaluation with SCORES; what the decision recorded. */
function evaluated(definition: ProcedureDefinition) {
  const context: EngineContext = { definition, calendars, jurisdiction: 'fj-xiamen' };
  const cycle = new ProcedureDriver(context).start({ scope: 'cycle', inputs: {} }).runToEnd();
  const start = cycle.commands.find((c) => c.type === 'startContracts');
  if (start?.type !== 'startContracts') throw new Error('no contracts');
  const contract = new ProcedureDriver(context, cycle.now).start({ scope: 'contract', cycleValues: cycle.state.values, winner: start.winners[0]! });
  for (let step = 0; step < 500 && contract.state.status === 'running'; step++) {
    const task = contract.openTasks()[0];
    if (task?.kind === 'evaluation') {
      contract.apply({ type: 'taskDecided', at: contract.now, taskId: task.id, outcome: 'approve', actor: actorFor(task.role, 'fj-xiamen'), fields: {}, payload: { kind: 'evaluation', scores: SCORES } });
      const closed = contract.commands.find((c) => c.type === 'taskClosed' && c.task.id === task.id);
      return { values: contract.state.values.evaluation, fields: closed?.type === 'taskClosed' ? closed.fields : undefined };
    }
    if (task) contract.decideHappily(task);
    else contract.fireNextTimer();
  }
  throw new Error('the contract never reached its evaluation');
}

describe('evaluation indicator groups', () => {
  it('records a score per group with the evaluation decision and for expressions', () => {
    // Whole: (40×60 + 40×55 + 20×50) / 100 = 5600 / 100 = 56.
    // Business: (40×60 + 40×55) / 80 = 4600 / 80 = 57.5 → 57. Financial: 20×50 / 20 = 50.
    const { values, fields } = evaluated(compiled<ProcedureDefinition>(XIAMEN));
    expect(fields).toEqual({ score: 56, business: 57, financial: 50 });
    expect(values).toEqual({ score: 56, passed: false, business: 57, financial: 50 });
  });

  it('reports other subtotals, the whole unchanged, when the same indicators are grouped otherwise', () => {
    // serviceQuality counted as financial: business 40×60 / 40 = 60; financial (40×55 + 20×50) / 60 = 3200 / 60 = 53.3 → 53.
    const regrouped = compiled<ProcedureDefinition>(XIAMEN, (text) => {
      const edited = text.replace(/(- id: serviceQuality\n(?:.*\n){1,3}?\s+group: )business/, '$1financial');
      expect(edited).not.toBe(text);
      return edited;
    });
    expect(evaluated(regrouped).fields).toEqual({ score: 56, business: 60, financial: 53 });
  });

  it('reports no financial subtotal when every indicator is a business one', () => {
    const businessOnly = compiled<ProcedureDefinition>(XIAMEN, (text) => text.replace(/(- id: fundUseEfficiency\n(?:.*\n){1,3}?\s+group: )financial/, '$1business').replace(/\n\s+- label: \{ zh: 财务指标得分[^\n]*\n\s+value: evaluation\.financial/, ''));
    // Business: (40×60 + 40×55 + 20×50) / 100 = 56, the whole.
    expect(evaluated(businessOnly).fields).toEqual({ score: 56, business: 56 });
  });
});
