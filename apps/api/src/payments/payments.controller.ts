import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { ListPaymentsQueryDto, PaymentListDto } from './payments.dto.js';
import { PaymentsService } from './payments.service.js';

@ApiTags('payments')
@ApiAuthenticated()
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get()
  @ApiOperation({ summary: 'Payments instructed for treasury centralised payment in the caller’s jurisdiction, newest first.' })
  @ApiOkResponse({ type: PaymentListDto })
  @ApiErrors({
    unprocessable: 'An unknown status or a bad paging value.',
  })
  list(@Query() query: ListPaymentsQueryDto, @CurrentUser() user: Identity): Promise<PaymentListDto> {
    return this.payments.list(user, query);
  }
}
