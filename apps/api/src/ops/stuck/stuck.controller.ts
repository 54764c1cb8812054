import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity, OPS_ROLE } from '../../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../../auth/auth.decorators.js';
import { ApiErrors } from '../../common/api-errors.js';
import { OpsSummaryDto, OpsSummaryQueryDto, StuckListDto, StuckQueryDto } from './stuck.dto.js';
import { StuckService } from './stuck.service.js';

@ApiTags('ops')
@ApiAuthenticated()
@RequireRoles(OPS_ROLE, ADMINISTRATOR_ROLE)
@Controller('ops')
export class StuckController {
  constructor(private readonly stuck: StuckService) {}

  @Get('stuck')
  @ApiOperation({
    summary: 'Open cycles, contracts and cases that are stuck, each with its causes in words.',
    description:
      'Examines open processes of the read model in workflow-id order (at most 200 per page), describes each workflow in Temporal and names every cause: ' +
      'an activity or the workflow task that keeps failing (attempt and last message), a task queue no worker polls, a read model behind its workflow, ' +
      'a deadline in a year without a deployed business calendar, or no event for longer than the definition allows. Limited to the caller’s jurisdiction unless national.',
  })
  @ApiOkResponse({ type: StuckListDto })
  @ApiErrors({ unprocessable: 'A filter, the limit or the cursor is malformed (details name the field).' })
  list(@Query() query: StuckQueryDto, @CurrentUser() user: Identity): Promise<StuckListDto> {
    return this.stuck.list(user, query);
  }

  @Get('summary')
  @ApiOperation({ summary: 'Counts for ops staff: overdue items by holder, stuck processes by cause, open processes by kind and status, and the calendar horizon warnings.' })
  @ApiOkResponse({ type: OpsSummaryDto })
  @ApiErrors({ unprocessable: '`at` is not an instant.' })
  summary(@Query() query: OpsSummaryQueryDto, @CurrentUser() user: Identity): Promise<OpsSummaryDto> {
    return this.stuck.summary(user, query.at === undefined ? new Date() : new Date(query.at));
  }
}
