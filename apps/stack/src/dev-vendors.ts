import type { Identity } from '../../../src/identity/identity.js';
import { creditCodeCheckCharacter } from '../../../src/vendors/unified-social-credit-code.js';
import { ConflictError, InvalidTransitionError } from '../../api/src/common/domain-errors.js';
import { VerificationDecision } from '../../api/src/vendors/vendors.dto.js';
import type { VendorsService } from '../../api/src/vendors/vendors.service.js';

/** A development vendor: an organisation `npm start` registers so bidding can be tried at once. */
export interface DevVendor {
  readonly vendorId: string;
  readonly name: string;
}

/**
 * The undertaking organisations of the development jurisdiction. Three, because the shipped procedures
 * need three qualified bidders; their credit codes are well-formed but fictitious (prefix 52: a
 * social service agency registered with civil affairs; region code 330521: Deqing).
 */
const DEV_ORGANISATIONS = [
  { name: '阳光社会工作服务中心（开发）', serial: '000000001' },
  { name: '春晖社会工作服务社（开发）', serial: '000000002' },
  { name: '同心社区服务中心（开发）', serial: '000000003' },
] as const;

/** A well-formed credit code: registration authority and type (2), region (6), the 9-character serial, check character. */
function creditCodeOf(serial: string): string {
  const first17 = `52330521${serial}`;
  return `${first17}${creditCodeCheckCharacter(first17)}`;
}

/**
 * Registers (as the development administrator) the development vendors of `jurisdiction` with sample
 * evidence for every qualification criterion of the procedures deployed there, and has each criterion
 * verified by a development officer of the role those procedures name (`qualification.verifiedBy`),
 * through the registry's own rules and audit trail. A vendor already registered, by this or an earlier
 * start, is found by its credit code and given what it lacks (evidence for a criterion added since, a
 * verification not yet made).
 */
export async function ensureDevVendors(vendors: VendorsService, jurisdiction: string): Promise<DevVendor[]> {
  const registrar: Identity = { userId: 'dev.administrator', name: '系统管理员（开发）', roles: ['administrator'], jurisdiction };
  const requirements = await vendors.requirementsFor(jurisdiction);
  const criteria = [...new Set(requirements.flatMap((requirement) => requirement.criteria.map((criterion) => criterion.id)))].sort();
  const verifierRoles = [...new Set(requirements.map((requirement) => requirement.verifiedBy))].sort();
  const sample = (criterionId: string) => ({ criterionId, document: `开发用示例材料·${criterionId}（非真实机构）` });
  const found: DevVendor[] = [];
  for (const organisation of DEV_ORGANISATIONS) {
    const creditCode = creditCodeOf(organisation.serial);
    let vendor = (await vendors.list(registrar, { limit: 1000 })).vendors.find((candidate) => candidate.creditCode === creditCode);
    if (!vendor) {
      try {
        vendor = await vendors.register(registrar, {
          name: organisation.name,
          creditCode,
          registrationType: 'socialServiceAgency',
          evidence: (criteria.length > 0 ? criteria : ['qualified']).map(sample),
        });
      } catch (error) {
        // Registered in another jurisdiction's registry: not this jurisdiction's vendor.
        if (error instanceof ConflictError) continue;
        throw error;
      }
    }
    for (const criterionId of criteria) {
      if (!vendor.evidence.some((item) => item.criterionId === criterionId)) vendor = await vendors.fileEvidence(registrar, vendor.id, sample(criterionId));
    }
    for (const role of verifierRoles) {
      const verifier: Identity = { userId: `dev.${role}`, name: `${role}（开发）`, roles: [role], jurisdiction };
      try {
        vendor = await vendors.verify(verifier, vendor.id, { decision: VerificationDecision.Verified, role });
      } catch (error) {
        // Verified by an earlier start: a verification stands.
        if (!(error instanceof InvalidTransitionError)) throw error;
      }
    }
    found.push({ vendorId: vendor.id, name: vendor.name });
  }
  return found;
}
