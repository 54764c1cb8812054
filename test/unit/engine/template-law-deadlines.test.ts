import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import type { CalendarDefinition } from '../../../src/definitions/calendars/calendar.schema.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import type { EngineContext, TaskInstance } from '../../../workflows/engine/types.js';
import { formFor, ProcedureDriver } from '../../support/procedure-driver.js';

function load<T>(file: string): T {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, 'definitions', file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as T;
}

const calendars = [load<CalendarDefinition>('calendars/cn-2026.yaml')];
const TRADE_SECRET = '社工人力成本单价（商业秘密）';

/*
 * Counted by hand on the State Council's 2026 arrangement (definitions/calendars/cn-2026.yaml): Labour
 * Day is Fri 1 – Tue 5 May, and Saturday 9 May is a make-up working day. Deadlines end at the end of
 * their last day in China (UTC+8), 15:59:59.999Z.
 *
 * The winner is confirmed, and the contract signed, on Thursday 30 April 2026 at 10:00 in China.
 *   Award announced within 2 working days of the confirmation (Regs art. 43): Wed 6 May = 1, Thu 7 May = 2.
 *   Contract published within 2 working days of signing (Regs art. 50): the same, Thu 7 May.
 *   Contract filed within 7 working days of signing (GPL art. 47): Wed 6 = 1, Thu 7 = 2, Fri 8 = 3,
 *   Sat 9 (make-up) = 4, Mon 11 = 5, Tue 12 = 6, Wed 13 = 7.
 */
const CONFIRMED_AND_SIGNED = '2026-04-30T02:00:00.000Z';
const ANNOUNCEMENT_DUE = '2026-05-07T15:59:59.999Z';
const PUBLICATION_DUE = '2026-05-07T15:59:59.999Z';
const FILING_DUE = '2026-05-13T15:59:59.999Z';

/**
 * The two newer seed templates carry the same law deadlines as the other four, written in the
 * definition: each contract's tasks show the due instants counted from the confirmation and the signing,
 * escalate to the roles the definition names, and the contract notice leaves out the confidential trade
 * secrets entered in the draft.
 */
describe.each(['procedures/xuancheng-community-correction.yaml', 'procedures/ningxia-community-correction.yaml'])('the law deadlines of %s', (file) => {
  const definition = load<ProcedureDefinition>(file);
  const context: EngineContext = { definition, calendars, jurisdiction: definition.metadata.jurisdiction.code };

  it('time the award announcement, contract publication and filing in working days after their events, and keep trade secrets out of the contract notice', () => {
    const cycle = new ProcedureDriver(context).start({ scope: 'cycle', inputs: formFor(definition.inputs) }).runToEnd();
    const start = cycle.commands.find((c) => c.type === 'startContracts');
    if (start?.type !== 'startContracts' || !start.winners[0]) throw new Error('no contract started');
    const contract = new ProcedureDriver(context, CONFIRMED_AND_SIGNED).start({
      scope: 'contract',
      cycleValues: cycle.state.values,
      winner: start.winners[0],
      // As if the winner had been confirmed at the instant chosen above.
      cycleEvents: { ...cycle.state.events, 'node:confirmAward:approve': CONFIRMED_AND_SIGNED },
    });
    const open = (nodeId: string): TaskInstance => {
      const task = contract.openTasks().find((t) => t.nodeId === nodeId);
      if (!task) throw new Error(`${nodeId} is not open; open: ${contract.openTasks().map((t) => t.nodeId).join(', ')}`);
      return task;
    };

    expect(open('announceAward')).toMatchObject({ role: 'justice-bureau', dueAt: ANNOUNCEMENT_DUE, escalateTo: 'finance-bureau', dueAfter: 'node:confirmAward:approve' });
    contract.decideHappily(open('announceAward'));
    const draft = open('draftContract');
    const drafted = contract.happyDecision(draft);
    contract.apply({
      type: 'taskDecided',
      at: contract.now,
      taskId: draft.id,
      outcome: 'submit',
      actor: { userId: 'drafter', name: 'drafter', roles: ['justice-bureau'], jurisdiction: context.jurisdiction },
      fields: { ...drafted.fields, tradeSecrets: TRADE_SECRET },
    });
    contract.decideHappily(open('purchaserSigns'));
    contract.decideHappily(open('vendorSigns'));

    expect(open('publishContractTask')).toMatchObject({ role: 'justice-bureau', dueAt: PUBLICATION_DUE, escalateTo: 'finance-bureau', dueAfter: 'node:signContract' });
    contract.decideHappily(open('publishContractTask'));
    const notice = contract.commands.find((c) => c.type === 'publishNotice' && c.kind === 'contract');
    expect(notice).toBeDefined();
    expect(JSON.stringify(notice)).not.toContain(TRADE_SECRET);
    // Filing counts from the signing, not from its own opening; the finance bureau records it.
    expect(open('fileContract')).toMatchObject({ role: 'finance-bureau', dueAt: FILING_DUE, escalateTo: 'justice-bureau', dueAfter: 'node:signContract' });
    expect(definition.steps.flatMap((s) => s.flow.nodes).find((n) => n.id === 'draftContract')).toMatchObject({
      form: expect.arrayContaining([expect.objectContaining({ id: 'tradeSecrets', confidential: { readableBy: ['justice-bureau', 'finance-bureau'] } })]),
    });
  });
});
