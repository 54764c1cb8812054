import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { AuditVerificationDto, VerifyAuditQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiAuthenticated()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify')
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Recompute the audit trail’s hash chains and name the first broken link.',
    description:
      'Every audit entry carries the hash of its predecessor in the whole trail and, for entries about a procurement cycle, in that ' +
      'cycle’s chain; the database also records each chain’s newest entry and length. This recomputes every entry’s hash from its ' +
      'stored columns and checks every link and head, on one snapshot of the trail. 200 either way: `intact` says whether it holds, ' +
      '`firstBreak` names the first entry where it does not, with what was expected and what is stored.',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  @ApiErrors({
    notFound: 'No such cycle, or it belongs to another jurisdiction.',
    unprocessable: 'The cycle id is empty or too long.',
  })
  verify(@Query() query: VerifyAuditQueryDto, @CurrentUser() user: Identity): Promise<AuditVerificationDto> {
    return this.audit.verify(user, query);
  }
}
