import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../../../src/procurement/read-model.js';
import { IntegerField, MAX_ID_LENGTH, MAX_OFFSET, OptionalField, TextField } from '../common/request-validators.js';

export const MAX_PAYMENTS_PER_PAGE = 500;

export class ListPaymentsQueryDto {
  @TextField({ description: 'Only payments of this procurement cycle.', maxLength: MAX_ID_LENGTH, optional: true })
  cycleId?: string;

  @TextField({ description: 'Only payments under this contract.', maxLength: MAX_ID_LENGTH, optional: true })
  contractId?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES, description: 'Only payments in this status.' })
  @OptionalField()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;

  @IntegerField({ description: 'Most payments to return.', default: 100, minimum: 1, maximum: MAX_PAYMENTS_PER_PAGE, optional: true, fromText: true })
  limit?: number;

  @IntegerField({ description: 'Payments to skip, for paging.', default: 0, minimum: 0, maximum: MAX_OFFSET, optional: true, fromText: true })
  offset?: number;
}

export class PaymentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  cycleId!: string;

  @ApiProperty()
  contractId!: string;

  @ApiProperty({ example: 'zj-deqing' })
  jurisdiction!: string;

  @ApiProperty({ description: 'The tranche of the contract it pays.', example: 'workingFunds' })
  trancheId!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The budget component it pays.', example: 'working' })
  fund!: string | null;

  @ApiProperty()
  vendorId!: string;

  @ApiProperty({ example: '德清县阳光社会工作服务中心' })
  vendorName!: string;

  @ApiProperty({ description: 'Amount in fen (分), an integer.', example: 12345 })
  amountFen!: number;

  @ApiProperty({ description: 'The same amount in yuan, two decimals, computed from the integer.', example: '123.45' })
  amountYuan!: string;

  @ApiProperty({ description: '`<contractId>:tranche:<trancheId>`: one payment per tranche of a contract.' })
  idempotencyKey!: string;

  @ApiProperty({ enum: PAYMENT_STATUSES })
  status!: PaymentStatus;

  @ApiProperty({ format: 'date-time' })
  instructedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was handed to the treasury.' })
  exportedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The treasury export file it went out in.' })
  exportFile!: string | null;
}

export class PaymentListDto {
  @ApiProperty({ type: [PaymentDto], description: 'Newest instruction first.' })
  payments!: PaymentDto[];

  @ApiProperty({ description: 'How many payments match, over all pages.' })
  total!: number;
}
