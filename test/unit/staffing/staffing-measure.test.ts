import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { SupervisionDefinition } from '../../../src/definitions/supervision/supervision.schema.js';
import { type CaseStaffingAt, describeOverload, measureStaffing, type StaffMemberAt, workerLoad } from '../../../src/staffing/staffing.js';

const seed = compileDefinition(readFileSync(fileURLToPath(new URL('../../../definitions/supervision/community-correction-case.yaml', import.meta.url)), 'utf8'), 'community-correction-case.yaml');
if (!seed.ok) throw new Error(JSON.stringify(seed.diagnostics));
const seedDefinition = seed.compiled.definition as SupervisionDefinition;

/** The seed template's ratios (seed 004: 1:10, a volunteer per person) and a seed-002-like 1:20 without a volunteer ratio. */
const SEED_004 = { lifecycleKey: 'community-correction-case', lifecycleVersion: 1, staffing: seedDefinition.staffing ?? null };
const SEED_002 = { lifecycleKey: 'xuancheng-case', lifecycleVersion: 3, staffing: { socialWorker: { maxCasesEach: 20, sources: [{ seed: '002_6210f319696acedb.txt', section: '§四' }] } } };

const staff: StaffMemberAt[] = [
  { id: 'w-a', name: '李红', kind: 'socialWorker' },
  { id: 'w-b', name: '王明', kind: 'socialWorker' },
  { id: 'v-a', name: '张志愿', kind: 'volunteer' },
];

const caseOf = (n: number, lifecycle: typeof SEED_004 | typeof SEED_002, workers: string[], volunteers: string[] = [], contractId = 'k-1'): CaseStaffingAt => ({
  caseId: `case-${String(n).padStart(2, '0')}`,
  contractId,
  ...lifecycle,
  socialWorkerIds: workers,
  volunteerIds: volunteers,
});

describe('staffing ratios', () => {
  it('holds a worker to the strictest ratio among their cases, naming its source', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => caseOf(i + 1, i === 0 ? SEED_004 : SEED_002, ['w-a']));
    const load = workerLoad(eleven);
    expect(load).toMatchObject({ cases: 11, over: true, ratio: { lifecycleKey: 'community-correction-case', key: 'staffing.socialWorker.maxCasesEach', value: 10, cited: 'seed 004_f522fc3792ed1dfa.txt §二(三)' } });
    expect(describeOverload({ id: 'w-a', name: '李红' }, load)).toBe(
      'social worker 李红 (w-a) would serve 11 active cases, more than 10 (1:10, staffing.socialWorker.maxCasesEach of lifecycle community-correction-case v1, seed 004_f522fc3792ed1dfa.txt §二(三))',
    );
    // Without the seed-004 case, 10 seed-002 cases stay within 1:20.
    expect(workerLoad(eleven.slice(1))).toMatchObject({ cases: 10, over: false, ratio: { value: 20 } });
    expect(workerLoad([])).toEqual({ cases: 0, ratio: undefined, over: false });
  });

  it('lists overloaded workers, cases without a social worker and cases short of volunteers, for a vendor or one contract', () => {
    // 李红 serves 11 seed-004 cases (1..11), one of them on contract k-2; case 12 has nobody; case 13 (seed 002) has 王明 and no volunteer, which seed 002 does not ask for.
    const cases = [
      ...Array.from({ length: 11 }, (_, i) => caseOf(i + 1, SEED_004, ['w-a'], i < 5 ? ['v-a'] : [], i === 10 ? 'k-2' : 'k-1')),
      caseOf(12, SEED_004, [], ['v-a']),
      caseOf(13, SEED_002, ['w-b']),
    ];
    const measure = measureStaffing({ vendorId: 'vendor-a', at: '2026-04-01T00:00:00.000Z', staff, cases });
    const ratio004 = { lifecycleKey: 'community-correction-case', lifecycleVersion: 1, key: 'staffing.socialWorker.maxCasesEach', value: 10, cited: 'seed 004_f522fc3792ed1dfa.txt §二(三)' };
    const volunteers004 = { lifecycleKey: 'community-correction-case', lifecycleVersion: 1, key: 'staffing.volunteer.minPerCase', value: 1, cited: 'seed 004_f522fc3792ed1dfa.txt §二(三)' };
    expect(measure).toEqual({
      vendorId: 'vendor-a',
      contractId: null,
      at: '2026-04-01T00:00:00.000Z',
      activeCases: 13,
      socialWorkers: 2,
      volunteers: 1,
      overloadedWorkers: [{ staffId: 'w-a', name: '李红', cases: 11, caseIds: Array.from({ length: 11 }, (_, i) => `case-${String(i + 1).padStart(2, '0')}`), ratio: ratio004 }],
      casesWithoutSocialWorker: [{ caseId: 'case-12', contractId: 'k-1', ratio: ratio004 }],
      // Cases 6..11 have no volunteer (5 of them on k-1, case 11 on k-2).
      casesShortOfVolunteers: [6, 7, 8, 9, 10, 11].map((n) => ({ caseId: `case-${String(n).padStart(2, '0')}`, contractId: n === 11 ? 'k-2' : 'k-1', volunteers: 0, ratio: volunteers004 })),
      breaches: 1 + 1 + 6,
    });
    // Contract k-2 holds case 11 only: 李红 is over on all her cases, so she is listed for it too.
    expect(measureStaffing({ vendorId: 'vendor-a', contractId: 'k-2', at: '2026-04-01T00:00:00.000Z', staff, cases })).toMatchObject({
      contractId: 'k-2',
      activeCases: 1,
      overloadedWorkers: [{ staffId: 'w-a', cases: 11 }],
      casesWithoutSocialWorker: [],
      casesShortOfVolunteers: [{ caseId: 'case-11' }],
      breaches: 2,
    });
    // A social worker assigned who is not staff at the instant does not count: the case has none.
    expect(measureStaffing({ vendorId: 'vendor-a', at: '2026-04-01T00:00:00.000Z', staff: staff.filter((m) => m.id !== 'w-b'), cases: [caseOf(13, SEED_002, [])] }).casesWithoutSocialWorker).toHaveLength(1);
  });
});
