import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import { ListProcessesQueryDto } from './process-filter.js';
import { ProcessInspectionDto, ProcessListDto } from './processes.dto.js';
import { WorkflowIdParamsDto } from '../workflow-id.dto.js';
import { ProcessesService } from './processes.service.js';

@ApiTags('ops')
@ApiAuthenticated()
@Controller('ops/processes')
@RequireRoles(OPS_ROLE, ADMINISTRATOR_ROLE)
export class ProcessesController {
  constructor(private readonly processes: ProcessesService) {}

  @Get()
  @ApiOperation({
    summary: 'Cycles, contracts and cases of your jurisdiction (all for national users), newest first, filtered, a page at a time.',
    description: 'Read from the read model. Pages follow `nextCursor`: a process started while you page is never listed twice and never shifts a page.',
  })
  @ApiOkResponse({ type: ProcessListDto })
  @ApiErrors({ unprocessable: 'A filter or the cursor is malformed (`details` names it).' })
  list(@Query() query: ListProcessesQueryDto, @CurrentUser() user: Identity): Promise<ProcessListDto> {
    return this.processes.list(user, query);
  }

  @Get(':workflowId')
  @ApiOperation({
    summary: 'One process: its step and status, a timeline merging domain events with Temporal history, open tasks and holders, pending activities, and a link to the Temporal Web UI.',
    description:
      'History payloads are encrypted and never shown: only event types, times, update names, activity attempts and failure messages. ' +
      'While a cycle’s bidding is open, an inspector who may not read its sealed bids sees no bid update, no bid projection and no command of a workflow task that took a bid. ' +
      'When Temporal does not answer, `temporalUnavailable` says why and the read model is shown alone.',
  })
  @ApiOkResponse({ type: ProcessInspectionDto })
  @ApiErrors({ notFound: 'No such process, or it belongs to another jurisdiction.', unprocessable: 'The workflow id is malformed.' })
  inspect(@Param() params: WorkflowIdParamsDto, @CurrentUser() user: Identity): Promise<ProcessInspectionDto> {
    return this.processes.inspect(user, params.workflowId);
  }
}
