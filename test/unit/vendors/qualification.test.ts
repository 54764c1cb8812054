import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import type { ProcedureDefinition } from '../../../src/definitions/procedure/procedure.schema.js';
import { chinaDate, isSigningTask, type QualificationRequirement, qualificationRequirements, unmetCriteria } from '../../../src/vendors/qualification.js';
import type { QualificationEvidence } from '../../../src/vendors/vendor.js';

/**
 * Qualification as a procedure states it: its criteria (`selection.qualification.criteria`), each verified
 * by the role it names (`selection.qualification.verifiedBy`) for the cycle's jurisdiction, unexpired on
 * the day asked; and which decisions sign a contract.
 */

function load(file: string): ProcedureDefinition {
  const result = compileDefinition(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file);
  if (!result.ok) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(result.compiled.definition)) as ProcedureDefinition;
}

const title = { zh: '标题', en: 'Title' };
const requirement = (verifiedBy: string, ...ids: string[]): QualificationRequirement => ({ stepId: 'vendorSelection', verifiedBy, criteria: ids.map((id) => ({ id, title })) });
const verified = (criterionId: string, role: string, extra: Partial<QualificationEvidence> = {}, jurisdiction = 'zj-deqing'): QualificationEvidence => ({
  criterionId,
  document: `${criterionId} 证明`,
  verifications: [{ role, jurisdiction, by: 'qian.hui', at: '2026-01-05T02:00:00.000Z' }],
  ...extra,
});
// 2026-03-09T20:00:00Z is 2026-03-10 04:00 in China (UTC+8): the China day is the 10th.
const AT = new Date('2026-03-09T20:00:00.000Z');

describe('qualification criteria and who verifies them', () => {
  it('counts the day in China time', () => {
    expect(chinaDate(AT)).toBe('2026-03-10');
  });

  it('accepts a vendor whose every criterion is verified by the named role, unexpired', () => {
    const evidence = [verified('registered', 'civil-affairs'), verified('taxPaid', 'civil-affairs', { validUntil: '2026-03-10' })];
    // validUntil is the last valid day: on the 10th (China) the certificate still counts.
    expect(unmetCriteria(evidence, requirement('civil-affairs', 'registered', 'taxPaid'), 'zj-deqing', AT)).toEqual([]);
  });

  it('names a criterion with no evidence on file', () => {
    const unmet = unmetCriteria([verified('registered', 'civil-affairs')], requirement('civil-affairs', 'registered', 'taxPaid'), 'zj-deqing', AT);
    expect(unmet).toEqual([{ criterionId: 'taxPaid', reason: 'missing', problem: 'criterion "taxPaid" (标题) has no evidence on file' }]);
  });

  it('does not count a verification by another role than the one the procedure names', () => {
    const unmet = unmetCriteria([verified('registered', 'civil-affairs')], requirement('justice-bureau', 'registered'), 'zj-deqing', AT);
    expect(unmet).toEqual([{ criterionId: 'registered', reason: 'unverified', problem: 'criterion "registered" (标题) is not verified by justice-bureau of zj-deqing' }]);
  });

  it('does not count a verification made for another jurisdiction, but counts a national one', () => {
    const anji = [verified('registered', 'civil-affairs', {}, 'zj-anji')];
    expect(unmetCriteria(anji, requirement('civil-affairs', 'registered'), 'zj-deqing', AT).map((u) => u.reason)).toEqual(['unverified']);
    const national = [verified('registered', 'civil-affairs', {}, 'cn')];
    expect(unmetCriteria(national, requirement('civil-affairs', 'registered'), 'zj-deqing', AT)).toEqual([]);
  });

  it('does not count evidence past its last valid day', () => {
    // Valid until the 9th; the China day is the 10th.
    const unmet = unmetCriteria([verified('taxPaid', 'civil-affairs', { validUntil: '2026-03-09' })], requirement('civil-affairs', 'taxPaid'), 'zj-deqing', AT);
    expect(unmet).toEqual([{ criterionId: 'taxPaid', reason: 'expired', problem: 'criterion "taxPaid" (标题): its evidence expired after 2026-03-09' }]);
  });

  it('does not count a criterion that stands rejected', () => {
    const rejected: QualificationEvidence = {
      criterionId: 'registered',
      document: '登记证书',
      verifications: [],
      rejection: { role: 'civil-affairs', jurisdiction: 'zj-deqing', by: 'qian.hui', at: '2026-01-05T02:00:00.000Z', comment: '证书复印件不清晰' },
    };
    expect(unmetCriteria([rejected], requirement('civil-affairs', 'registered'), 'zj-deqing', AT).map((u) => u.reason)).toEqual(['rejected']);
  });

  it('asks what the definition lists: a procedure without a criterion accepts the vendor one with it refuses', () => {
    const deqing = load('definitions/procedures/deqing-community-correction.yaml');
    const [asShipped] = qualificationRequirements(deqing);
    expect(asShipped?.verifiedBy).toBe('civil-affairs');
    expect(asShipped?.criteria.map((c) => c.id)).toEqual(['qualifiedSocialOrganisation', 'publishedConditions']);
    // The vendor has one of the two criteria verified, none for publishedConditions.
    const evidence = [verified('qualifiedSocialOrganisation', 'civil-affairs')];
    expect(unmetCriteria(evidence, asShipped!, 'zj-deqing', AT).map((u) => u.criterionId)).toEqual(['publishedConditions']);
    const withoutIt = { ...asShipped!, criteria: asShipped!.criteria.filter((c) => c.id !== 'publishedConditions') };
    expect(unmetCriteria(evidence, withoutIt, 'zj-deqing', AT)).toEqual([]);
  });

  it('asks the role the definition names: Baotou has the justice bureau verify, Deqing civil affairs', () => {
    const baotou = load('definitions/procedures/baotou-people-mediation.yaml');
    expect(qualificationRequirements(baotou).map((r) => r.verifiedBy)).toEqual(['justice-bureau']);
  });

  it('treats the parallel sign-off with the vendor, and only it, as signing', () => {
    const deqing = load('definitions/procedures/deqing-community-correction.yaml');
    expect(isSigningTask(deqing, { stepId: 'contractFiling', nodeId: 'vendorSigns', parallelId: 'signAgreement' })).toBe(true);
    expect(isSigningTask(deqing, { stepId: 'contractFiling', nodeId: 'purchaserSigns', parallelId: 'signAgreement' })).toBe(true);
    expect(isSigningTask(deqing, { stepId: 'contractFiling', nodeId: 'draftAgreement', parallelId: null })).toBe(false);
    expect(isSigningTask(deqing, { stepId: 'vendorSelection', nodeId: 'award', parallelId: null })).toBe(false);
  });
});
