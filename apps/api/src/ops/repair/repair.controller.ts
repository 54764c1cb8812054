import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Identity, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import { RetryActivityDto, RetryResultDto } from './repair.dto.js';
import { WorkflowIdParamsDto } from '../workflow-id.dto.js';
import { RepairService } from './repair.service.js';

@ApiTags('ops')
@ApiAuthenticated()
@Controller('ops/processes')
export class RepairController {
  constructor(private readonly repair: RepairService) {}

  @Post(':workflowId/retry')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({
    summary: 'Run a process’s failing activities again now, instead of after their retry backoff.',
    description:
      'For ops staff, with a reason, audited (`ops.activity-retried`). Every pending activity of the workflow that has failed at least once ' +
      'starts a fresh attempt at once (Temporal’s ResetActivity). A repeated requestId answers with the first answer and retries nothing again.',
  })
  @ApiOkResponse({ type: RetryResultDto })
  @ApiErrors({
    forbidden: 'The caller lacks the ops role.',
    notFound: 'No such process, or it belongs to another jurisdiction.',
    conflict: 'The process has ended or nothing in it is failing; or the requestId was used for another process.',
    unprocessable: 'A field is invalid (`details` names it), e.g. a blank `reason`.',
    unavailable: 'Temporal did not answer in time.',
  })
  retry(@Param() params: WorkflowIdParamsDto, @Body() body: RetryActivityDto, @CurrentUser() user: Identity): Promise<RetryResultDto> {
    return this.repair.retry(user, params.workflowId, body);
  }
}
