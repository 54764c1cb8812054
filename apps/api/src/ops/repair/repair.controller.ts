import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Identity, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import { RebuildReadModelDto, RebuildResultDto, ResetResultDto, ResetToStepDto, RetryActivityDto, RetryResultDto } from './repair.dto.js';
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

  @Post(':workflowId/rebuild')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({
    summary: 'Rebuild a cycle’s or contract’s read model from what its workflow holds.',
    description:
      'For ops staff, with a reason, audited (`ops.read-model-rebuilt`, in the transaction of the rebuild). The workflow (an Update) hands its state to a ' +
      'projection activity that rewrites, in one transaction, the rows that are a function of that state: the workflow’s tasks (a row it has no task for is ' +
      'removed), its steps (`cycle_steps`), and the status and current step of the cycle or contract. Audit entries, payments, notices, bids, challenges and ' +
      'other append-only records are left as they are. A repeated requestId answers with the first answer and rebuilds nothing again.',
  })
  @ApiOkResponse({ type: RebuildResultDto })
  @ApiErrors({
    forbidden: 'The caller lacks the ops role.',
    notFound: 'No such process, or it belongs to another jurisdiction.',
    conflict: 'The workflow has ended and takes no more requests; or the requestId was used for another request.',
    unprocessable: 'A field is invalid (`details` names it), e.g. a blank `reason`.',
    unavailable: 'Temporal or the workflow did not answer in time (send the same requestId again to learn the outcome).',
  })
  rebuild(@Param() params: WorkflowIdParamsDto, @Body() body: RebuildReadModelDto, @CurrentUser() user: Identity): Promise<RebuildResultDto> {
    return this.repair.rebuild(user, params.workflowId, body);
  }

  @Post(':workflowId/reset')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({
    summary: 'Reset a running cycle to the start of a step its definition marks resettable.',
    description:
      'For ops staff, with a reason, audited (`ops.process-reset`). Temporal resets the cycle’s workflow to just after the workflow task that entered ' +
      'the step (nothing beyond it is reapplied), then the reset run rebuilds its read model, so the tasks and steps of the undone part are gone. ' +
      'Refused when a payment, a started contract, a bid or a published notice lies after the entry. Audit entries of the undone part stay. ' +
      'A repeated requestId answers with the first answer and resets nothing again.',
  })
  @ApiOkResponse({ type: ResetResultDto })
  @ApiErrors({
    forbidden: 'The caller lacks the ops role.',
    notFound: 'No such process, or it belongs to another jurisdiction.',
    conflict: 'The workflow has ended, nothing happened since the step began, or a payment, contract, bid or published notice lies after it.',
    unprocessable: 'A field is invalid (`details` names it): a step that is not resettable or was never entered, a blank `reason`, a contract’s id.',
    unavailable: 'Temporal or the workflow did not answer in time.',
  })
  reset(@Param() params: WorkflowIdParamsDto, @Body() body: ResetToStepDto, @CurrentUser() user: Identity): Promise<ResetResultDto> {
    return this.repair.reset(user, params.workflowId, body);
  }
}
