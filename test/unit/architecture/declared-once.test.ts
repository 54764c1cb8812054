import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecisionOutcome, GENERIC_NODE_KINDS, KIND_SPECIFIC_NODES } from '../../../src/definitions/procedure/procedure.schema.js';
import { CHALLENGE_STATUSES, STEP_OUTCOMES, TASK_KINDS, TASK_STATUSES } from '../../../src/procurement/lifecycle.js';
import { CASE_STATUSES, CASE_TASK_STATUSES, CONTRACT_STATUSES, CYCLE_STATUSES, PAYMENT_STATUSES } from '../../../src/procurement/read-model.js';
import { ENGINE_TABLE } from '../../../workflows/engine/nodes/index.js';

const migrations = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/persistence/migrations');

/**
 * The values each CHECK constraint allows once every migration has run: the list of the last `up()`
 * that (re)defines it. Migrations are never edited, so a new value needs a new migration; this tells.
 */
async function checkedValues(): Promise<Map<string, string[]>> {
  const files = (await readdir(migrations)).filter((file) => file.endsWith('.ts')).sort();
  const checks = new Map<string, string[]>();
  for (const file of files) {
    const source = await readFile(path.join(migrations, file), 'utf8');
    const up = source.slice(source.indexOf('async up('), source.indexOf('async down('));
    for (const match of up.matchAll(/CONSTRAINT "(\w+)" CHECK \("\w+" IN \(([^)]*)\)/g)) {
      const [, name = '', list = ''] = match;
      checks.set(name, [...list.matchAll(/'([^']*)'/g)].map(([, value = '']) => value));
    }
  }
  return checks;
}

describe('statuses and kinds declared once', () => {
  it('the database allows exactly the declared values', async () => {
    const checks = await checkedValues();
    const declared: Record<string, readonly string[]> = {
      cycles_status_check: CYCLE_STATUSES,
      contracts_status_check: CONTRACT_STATUSES,
      payments_status_check: PAYMENT_STATUSES,
      tasks_kind_check: TASK_KINDS,
      tasks_status_check: TASK_STATUSES,
      tasks_outcome_check: DecisionOutcome.options,
      cycle_steps_outcome_check: STEP_OUTCOMES,
      challenges_status_check: CHALLENGE_STATUSES,
      cases_status_check: CASE_STATUSES,
      case_tasks_status_check: CASE_TASK_STATUSES,
    };
    for (const [constraint, values] of Object.entries(declared)) {
      expect({ constraint, values: [...(checks.get(constraint) ?? [])].sort() }).toEqual({ constraint, values: [...values].sort() });
    }
  });

  it('every task kind is decided by exactly one node kind, or is a challenge answer', () => {
    const owners = TASK_KINDS.map((kind) => ({
      kind,
      owners: Object.entries(ENGINE_TABLE.nodes)
        .filter(([, handler]) => handler.tasks?.[kind] !== undefined)
        .map(([node]) => node),
    }));
    expect(owners).toEqual([
      { kind: 'form', owners: ['task'] },
      { kind: 'award', owners: ['award'] },
      { kind: 'evaluation', owners: ['evaluation'] },
      { kind: 'acceptance', owners: ['acceptance'] },
      { kind: 'ledgerSubmission', owners: ['ledgerPeriods'] },
      { kind: 'ledgerConfirmation', owners: ['ledgerPeriods'] },
      // Answers to challenges are not drawn in a flow: workflows/engine/challenges.ts decides them.
      { kind: 'challengeAnswer', owners: [] },
    ]);
  });

  it('every node kind is generic or belongs to a step kind, and has a row in the dispatch table', () => {
    const specific = Object.values(KIND_SPECIFIC_NODES).flat();
    const inLanguage = new Set<string>([...GENERIC_NODE_KINDS, ...specific]);
    expect([...inLanguage].sort()).toEqual(Object.keys(ENGINE_TABLE.nodes).sort());
  });
});
