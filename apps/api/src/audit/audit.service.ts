import { Injectable } from '@nestjs/common';
import { verifyCycleChain, verifyWholeTrail } from '../../../../src/audit/audit-chain.js';
import { type Identity, jurisdictionAllows } from '../../../../src/identity/identity.js';
import { NotFoundError } from '../common/domain-errors.js';
import { type AuditVerificationDto, toAuditVerificationDto, type VerifyAuditQueryDto } from './audit.dto.js';
import { AuditRepository } from './audit.repository.js';

/** Checks the audit trail's hash chains: the whole trail, or one cycle's chain. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  /**
   * Recomputes every hash and link of the trail (or of one cycle of the caller's jurisdiction; national
   * callers: any) and reports the first broken link. A broken chain is a finding, not an error.
   */
  async verify(user: Identity, query: VerifyAuditQueryDto): Promise<AuditVerificationDto> {
    const cycleId = query.cycleId ?? null;
    if (cycleId !== null) {
      const jurisdiction = await this.repository.cycleJurisdiction(cycleId);
      if (jurisdiction === undefined || !jurisdictionAllows(user.jurisdiction, jurisdiction)) {
        throw new NotFoundError(`There is no cycle "${cycleId}" (or it belongs to another jurisdiction).`, [
          { field: 'cycleId', problem: 'names no cycle of your jurisdiction' },
        ]);
      }
    }
    const verifiedAt = new Date();
    const result = await this.repository.inSnapshot(async (trail) =>
      cycleId === null ? verifyWholeTrail(trail.entries(), await trail.heads()) : verifyCycleChain(cycleId, trail.cycleEntries(cycleId), await trail.head(`cycle:${cycleId}`)),
    );
    return toAuditVerificationDto(result, cycleId, verifiedAt);
  }
}
