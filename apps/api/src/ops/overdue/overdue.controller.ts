import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import { EscalateTaskDto, ExtendTaskDeadlineDto, ListOverdueQueryDto, OpsTaskIdParamsDto, OverdueListDto, ReassignTaskDto, TaskRepairResultDto } from './overdue.dto.js';
import { OverdueService } from './overdue.service.js';

const NOT_VISIBLE = 'No such task, or it belongs to another jurisdiction.';
const UNAVAILABLE = 'The workflow did not answer in time; send the same requestId again to learn the outcome.';

@ApiTags('ops')
@ApiAuthenticated()
@Controller('ops')
export class OverdueController {
  constructor(private readonly overdue: OverdueService) {}

  @Get('overdue')
  @RequireRoles(OPS_ROLE, ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Open tasks past their due time, most late first: how late in working days and hours, who holds each, and what it escalates to.',
    description: 'Tasks of cycles and contracts (SLAs, ledger submissions, filing and publication deadlines) and case tasks; your jurisdiction only unless national.',
  })
  @ApiOkResponse({ type: OverdueListDto })
  @ApiErrors({ unprocessable: 'A filter or the cursor is malformed; `details` names it.' })
  list(@Query() query: ListOverdueQueryDto, @CurrentUser() user: Identity): Promise<OverdueListDto> {
    return this.overdue.list(user, query);
  }

  @Post('tasks/:id/extension')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({ summary: 'Move an open task’s due time later, with the reason: its SLA timer is re-armed and it is no longer overdue until then.' })
  @ApiOkResponse({ type: TaskRepairResultDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    conflict: 'The task is no longer open, its process has ended, or a challenge holds its deadline.',
    unprocessable: 'A due time not later than the current one, both or neither of until and workingDays, or no reason; `details` names the field.',
    unavailable: UNAVAILABLE,
  })
  extend(@Param() params: OpsTaskIdParamsDto, @Body() body: ExtendTaskDeadlineDto, @CurrentUser() user: Identity): Promise<TaskRepairResultDto> {
    return this.overdue.extend(user, params.id, body);
  }

  @Post('tasks/:id/reassignment')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({ summary: 'Hand an open task to another role its procedure declares, with the reason.' })
  @ApiOkResponse({ type: TaskRepairResultDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    conflict: 'The task is no longer open, or its process has ended.',
    unprocessable: 'A role the procedure does not declare, the role already holding it, or a vendor’s task; `details` names the field.',
    unavailable: UNAVAILABLE,
  })
  reassign(@Param() params: OpsTaskIdParamsDto, @Body() body: ReassignTaskDto, @CurrentUser() user: Identity): Promise<TaskRepairResultDto> {
    return this.overdue.reassign(user, params.id, body);
  }

  @Post('tasks/:id/escalation')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(OPS_ROLE)
  @ApiOperation({ summary: 'Escalate an open task now to the role its definition escalates to, with the reason.' })
  @ApiOkResponse({ type: TaskRepairResultDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    conflict: 'The task is no longer open, has no escalation target, or has already escalated.',
    unprocessable: 'No reason; `details` names the field.',
    unavailable: UNAVAILABLE,
  })
  escalate(@Param() params: OpsTaskIdParamsDto, @Body() body: EscalateTaskDto, @CurrentUser() user: Identity): Promise<TaskRepairResultDto> {
    return this.overdue.escalate(user, params.id, body);
  }
}
