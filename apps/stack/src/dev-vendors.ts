import type { Identity } from '../../../src/identity/identity.js';
import { creditCodeCheckCharacter } from '../../../src/vendors/unified-social-credit-code.js';
import { VERIFIER_ROLE } from '../../../src/vendors/vendor.js';
import { ConflictError } from '../../api/src/common/domain-errors.js';
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
 * Registers (as the development administrator) and verifies (as the development civil-affairs officer)
 * the development vendors of `jurisdiction`, through the registry's own rules and audit trail. A vendor
 * already registered, by this or an earlier start, is left as it is and found by its credit code.
 */
export async function ensureDevVendors(vendors: VendorsService, jurisdiction: string): Promise<DevVendor[]> {
  const registrar: Identity = { userId: 'dev.administrator', name: '系统管理员（开发）', roles: ['administrator'], jurisdiction };
  const verifier: Identity = { userId: `dev.${VERIFIER_ROLE}`, name: '民政局（开发）', roles: [VERIFIER_ROLE], jurisdiction };
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
          evidence: [{ criterionId: 'qualified', document: '开发用示例材料（非真实机构）' }],
        });
      } catch (error) {
        // Registered in another jurisdiction's registry: not this jurisdiction's vendor.
        if (error instanceof ConflictError) continue;
        throw error;
      }
    }
    if (vendor.verificationStatus === 'pending') vendor = await vendors.verify(verifier, vendor.id, { decision: VerificationDecision.Verified });
    found.push({ vendorId: vendor.id, name: vendor.name });
  }
  return found;
}
