import { WorkflowIdParamsDto } from '../workflow-id.dto.js';
import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OPS_ROLE, type Identity } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import {
  BulkExecutionDto,
  BulkExecutionRequestDto,
  BulkSelectionDto,
  BulkSelectionRequestDto,
  MAX_SELECTION,
  CancelProcessDto,
  RepairedProcessDto,
  SelectionIdParamsDto,
  TerminateProcessDto,
} from './bulk.dto.js';
import { BulkService } from './bulk.service.js';

const NOT_VISIBLE = 'No such cycle, contract or case, or it belongs to another jurisdiction.';
const UNAVAILABLE = 'Temporal did not answer in time; repeat with the same requestId to learn the outcome.';

@ApiTags('ops')
@ApiAuthenticated()
@RequireRoles(OPS_ROLE)
@Controller('ops')
export class BulkController {
  constructor(private readonly bulk: BulkService) {}

  @Post('processes/:workflowId/cancellation')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a cycle or a case with a reason, through its workflow: its open tasks are withdrawn, a cycle’s running contracts cancelled, the cancellation audited.',
    description:
      'A contract is cancelled with its cycle (422 names the cycle). A cycle that has already ended answers `alreadyEnded` and nothing changes; a case that has already ended is refused (409), except for a repeat of the request that ended it, which answers as the first did.',
  })
  @ApiOkResponse({ type: RepairedProcessDto })
  @ApiErrors({ notFound: NOT_VISIBLE, conflict: 'The case has already ended.', unprocessable: 'No reason, or a contract named.', unavailable: UNAVAILABLE })
  cancel(@Param() params: WorkflowIdParamsDto, @Body() body: CancelProcessDto, @CurrentUser() user: Identity): Promise<RepairedProcessDto> {
    return this.bulk.cancelOne(user, params.workflowId, body);
  }

  @Post('processes/:workflowId/termination')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Terminate a cycle, contract or case in Temporal, with a reason, for a workflow that cannot run its code any more.',
    description:
      'The workflow cannot project its own end, so the API records it: status `terminated` (a cycle’s running contracts too), open tasks withdrawn, and the audit entry, in one transaction. A repeat changes nothing; a case that has already ended is refused (409) unless the request repeats the one that ended it.',
  })
  @ApiOkResponse({ type: RepairedProcessDto })
  @ApiErrors({ notFound: NOT_VISIBLE, conflict: 'The case has already ended.', unprocessable: 'No reason.', unavailable: UNAVAILABLE })
  terminate(@Param() params: WorkflowIdParamsDto, @Body() body: TerminateProcessDto, @CurrentUser() user: Identity): Promise<RepairedProcessDto> {
    return this.bulk.terminateOne(user, params.workflowId, body);
  }

  @Post('bulk')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Dry run of a bulk cancel or terminate: the exact list and count of processes it would touch, frozen under a selection id.',
    description: `Only running processes the caller may reach are selected, in id order, at most ${MAX_SELECTION}; a larger filter is refused (422) rather than cut short. The selection can be executed for an hour.`,
  })
  @ApiCreatedResponse({ type: BulkSelectionDto })
  @ApiErrors({ unprocessable: 'A field is out of bounds, dryRun is not true, the filter names another jurisdiction or selects too many.' })
  select(@Body() body: BulkSelectionRequestDto, @CurrentUser() user: Identity): Promise<BulkSelectionDto> {
    return this.bulk.select(user, body);
  }

  @Post('bulk/:selectionId/execution')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Act on exactly the frozen list of a dry run, once; per process: done, already ended, or failed with its message.',
    description: 'Nothing that appeared after the dry run is touched. Repeating the same requestId answers the first execution’s outcome, trying again only the processes that failed; another requestId is refused (409).',
  })
  @ApiOkResponse({ type: BulkExecutionDto })
  @ApiErrors({
    notFound: 'No such selection, or another jurisdiction’s.',
    conflict: 'The selection expired, or was executed by another request.',
    unprocessable: 'No reason or request id.',
  })
  execute(@Param() params: SelectionIdParamsDto, @Body() body: BulkExecutionRequestDto, @CurrentUser() user: Identity): Promise<BulkExecutionDto> {
    return this.bulk.execute(user, params.selectionId, body);
  }
}
