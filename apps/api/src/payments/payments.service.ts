import { Injectable } from '@nestjs/common';
import { formatYuan } from '../../../../src/money/fen.js';
import { type Identity, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import type { ListPaymentsQueryDto, PaymentDto, PaymentListDto } from './payments.dto.js';
import { type PaymentRecord, PaymentsRepository } from './payments.repository.js';

const DEFAULT_PAGE_SIZE = 100;

/**
 * Payments instructed by contract workflows; callers see those of their own jurisdiction's cycles
 * (national users: all), vendor staff only their own organisation's.
 */
@Injectable()
export class PaymentsService {
  constructor(private readonly repository: PaymentsRepository) {}

  async list(user: Identity, query: ListPaymentsQueryDto): Promise<PaymentListDto> {
    const { payments, total } = await this.repository.list({
      jurisdictions: user.jurisdiction === NATIONAL_JURISDICTION ? undefined : [user.jurisdiction],
      cycleId: query.cycleId,
      contractId: query.contractId,
      // Vendor staff see their own organisation's payments only.
      vendorId: user.vendorId,
      status: query.status,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      offset: query.offset ?? 0,
    });
    return { payments: payments.map(toDto), total };
  }
}

function toDto(payment: PaymentRecord): PaymentDto {
  return {
    id: payment.id,
    cycleId: payment.cycleId,
    contractId: payment.contractId,
    jurisdiction: payment.jurisdiction,
    trancheId: payment.trancheId,
    fund: payment.fund,
    vendorId: payment.vendorId,
    vendorName: payment.vendorName,
    amountFen: payment.amountFen,
    amountYuan: formatYuan(payment.amountFen),
    idempotencyKey: payment.idempotencyKey,
    status: payment.status,
    instructedAt: payment.instructedAt.toISOString(),
    exportedAt: payment.exportedAt?.toISOString() ?? null,
    exportFile: payment.exportFile,
  };
}
