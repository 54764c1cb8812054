import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { logStep, rebuildRefusal, type StepRecord } from '../../../workflows/engine/read-model-rebuild.js';
import type { Actor, EngineCommand, EngineContext } from '../../../workflows/engine/types.js';
import { actorFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const minimal = load<ProcedureDefinition>('test/unit/definitions/fixtures/minimal-procedure.yaml');
const context: EngineContext = { definition: minimal, calendars: [load<CalendarDefinition>('definitions/calendars/cn-2026.yaml')], jurisdiction: 'test-county' };
const ops: Actor = { userId: 'ops.1', name: '运维', roles: ['ops'], jurisdiction: 'test-county' };

const stepLog = (commands: readonly EngineCommand[]): readonly StepRecord[] => commands.reduce<readonly StepRecord[]>(logStep, []);

describe('the step log a read-model rebuild writes cycle_steps from', () => {
  it('opens a record per stepEntered and closes the step’s open record at its stepEnded, as the projection does', () => {
    const driver = new ProcedureDriver(context, '2026-09-29T02:00:00.000Z').start({ scope: 'cycle', inputs: { supervisedPersons: 20 } });
    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'draftBudget#1', outcome: 'submit', actor: actorFor('justice-bureau', 'test-county'), fields: { justification: '按在册人数编制' } });
    expect(stepLog(driver.commands)).toEqual([{ stepId: 'budgeting', kind: 'budgeting', enteredSeq: expect.any(Number), enteredAt: driver.now }]);

    driver.apply({ type: 'taskDecided', at: driver.now, taskId: 'reviewBudget#1', outcome: 'approve', actor: actorFor('finance-bureau', 'test-county'), fields: {} });
    const log = stepLog(driver.commands);
    const ended = driver.commands.find((command) => command.type === 'stepEnded');
    expect(log).toEqual([
      { stepId: 'budgeting', kind: 'budgeting', enteredSeq: expect.any(Number), enteredAt: expect.any(String), ended: { seq: ended?.seq, at: driver.now, outcome: 'completed' } },
      { stepId: 'publicNotice', kind: 'publicNotice', enteredSeq: expect.any(Number), enteredAt: driver.now },
    ]);
    expect(log.every((record) => record.enteredSeq < driver.state.seq)).toBe(true);
  });

  it('closes only the newest opening of a step entered again, and leaves a stepEnded with no open record unlogged', () => {
    const entered = (seq: number): EngineCommand => ({ type: 'stepEntered', seq, at: `2026-01-0${seq}T00:00:00.000Z`, stepId: 'review', stepKind: 'budgeting' });
    const endedAt = (seq: number): EngineCommand => ({ type: 'stepEnded', seq, at: `2026-01-0${seq}T00:00:00.000Z`, stepId: 'review', outcome: 'completed' });
    const log = stepLog([entered(1), endedAt(2), entered(3), endedAt(4), endedAt(5)]);
    expect(log.map((record) => [record.enteredSeq, record.ended?.seq])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stepLog([endedAt(1)])).toEqual([]);
  });
});

describe('who may rebuild a read model', () => {
  it('lets ops staff of the jurisdiction, or national ones, rebuild with a reason', () => {
    expect(rebuildRefusal(context, ops, '任务表被误删')).toBeUndefined();
    expect(rebuildRefusal(context, { ...ops, jurisdiction: 'cn' }, '任务表被误删')).toBeUndefined();
  });

  it('refuses other roles, vendor staff and ops staff of another jurisdiction (forbidden), and a blank or overlong reason naming it', () => {
    expect(rebuildRefusal(context, actorFor('administrator', 'test-county'), '重建')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(rebuildRefusal(context, { ...ops, vendorId: 'v-1' }, '重建')).toMatchObject({ ok: false, code: 'forbidden' });
    expect(rebuildRefusal(context, { ...ops, jurisdiction: 'other-county' }, '重建')).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringContaining('"test-county"') });
    expect(rebuildRefusal(context, ops, '  ')).toMatchObject({ ok: false, code: 'invalid', field: 'reason' });
    expect(rebuildRefusal(context, ops, '长'.repeat(501))).toMatchObject({ ok: false, code: 'invalid', field: 'reason' });
  });
});
