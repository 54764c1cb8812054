import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import {
  CancelCycleDto,
  CancelledCycleDto,
  CycleDetailDto,
  CycleIdParamsDto,
  CycleListDto,
  FileChallengeDto,
  FiledChallengeDto,
  LaunchCycleDto,
  LaunchedCycleDto,
  ListCyclesQueryDto,
  SubmitBidDto,
  SubmittedBidDto,
} from './cycles.dto.js';
import { CyclesService } from './cycles.service.js';
import { BIDDING_ROLES } from '../../../../workflows/engine/types.js';

const NOT_VISIBLE = 'No such cycle, or it belongs to another jurisdiction.';
const UNAVAILABLE = 'The workflow did not answer in time; send the same requestId again to learn the outcome.';

@ApiTags('cycles')
@ApiAuthenticated()
@Controller('cycles')
export class CyclesController {
  constructor(private readonly cycles: CyclesService) {}

  @Post()
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Launch a procurement cycle of a deployed procedure.',
    description:
      'The cycle runs the definition version asked for (the newest by default) for its whole life, in the jurisdiction of the definition, ' +
      'which must be yours. Its inputs are checked by the interpreter the workflow runs before anything starts: a bad input answers 422 ' +
      'naming it, and nothing is started. The cycle id is also its Temporal workflow id.',
  })
  @ApiCreatedResponse({ type: LaunchedCycleDto, description: 'Started (or, for a repeated requestId, started before). `Location` is the cycle.' })
  @ApiErrors({
    notFound: 'No such definition key, or no such version of it.',
    unprocessable: 'An input is unknown, missing or out of bounds (`details` names it), or the key is not a Procedure.',
    unavailable: 'Temporal did not answer; launch again with the same requestId, which starts a cycle at most once.',
  })
  async launch(@Body() body: LaunchCycleDto, @CurrentUser() user: Identity, @Res({ passthrough: true }) response: Response): Promise<LaunchedCycleDto> {
    const launched = await this.cycles.launch(user, body);
    response.setHeader('Location', launched.links.self);
    return launched;
  }

  @Get()
  @ApiOperation({ summary: 'Cycles of your jurisdiction (all jurisdictions for national users), newest first.' })
  @ApiOkResponse({ type: CycleListDto })
  @ApiErrors({
    unprocessable: 'A filter is malformed.',
  })
  list(@Query() query: ListCyclesQueryDto, @CurrentUser() user: Identity): Promise<CycleListDto> {
    return this.cycles.list(user, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One cycle: definition, inputs, steps, tasks and decisions, contracts, bids, payments, notices, audit trail, and what it waits for now.',
    description: '`live` is the running workflow’s own account (pending timers, open decisions, bidding); the rest is the read model.',
  })
  @ApiOkResponse({ type: CycleDetailDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unavailable: 'The cycle is not in the read model yet and Temporal did not answer.',
  })
  detail(@Param() params: CycleIdParamsDto, @CurrentUser() user: Identity): Promise<CycleDetailDto> {
    return this.cycles.detail(user, params.id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({ summary: 'Cancel a cycle, with the reason; its open tasks are withdrawn and its running contracts cancelled.' })
  @ApiOkResponse({ type: CancelledCycleDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    conflict: 'The cycle has already ended.',
    unprocessable: 'No reason given.',
    unavailable: UNAVAILABLE,
  })
  cancel(@Param() params: CycleIdParamsDto, @Body() body: CancelCycleDto, @CurrentUser() user: Identity): Promise<CancelledCycleDto> {
    return this.cycles.cancel(user, params.id, body);
  }

  @Post(':id/bids')
  @RequireRoles(...BIDDING_ROLES)
  @ApiOperation({
    summary: 'Hand in a bid for a vendor while the cycle’s bidding window is open.',
    description: 'The vendor must be verified by civil affairs and not suspended in the cycle’s jurisdiction; otherwise 422 says why. One bid per vendor and round.',
  })
  @ApiCreatedResponse({ type: SubmittedBidDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    forbidden: 'Not a role that bids, not of the cycle’s jurisdiction, or vendor staff bidding for another organisation (nothing is written).',
    conflict: 'Bidding is not open (nothing is written, whatever the vendor), or the vendor has already bid in this round.',
    unprocessable: 'The vendor may not bid (unknown, unverified, rejected, suspended or of another jurisdiction), or the price is not a positive whole number of fen.',
    unavailable: UNAVAILABLE,
  })
  submitBid(@Param() params: CycleIdParamsDto, @Body() body: SubmitBidDto, @CurrentUser() user: Identity): Promise<SubmittedBidDto> {
    return this.cycles.submitBid(user, params.id, body);
  }

  @Post(':id/challenges')
  @RequireRoles(...BIDDING_ROLES)
  @ApiOperation({
    summary: 'File a challenge (质疑) against the cycle’s result, as the staff of a vendor that bid in it.',
    description:
      'Within the period the procedure sets after the result notice (Government Procurement Law art. 52: 7 working days, on the jurisdiction’s calendar). ' +
      'It opens a task for the role the procedure names to answer it (art. 53), with the finding (upheld or dismissed) and reasons as the decision’s fields. ' +
      'With `affectsResult`, the contracts’ signing is suspended and its clocks stop until it is answered (Implementing Regulations art. 54). ' +
      'The filer reads the challenge and its answer in the cycle’s `challenges`.',
  })
  @ApiCreatedResponse({ type: FiledChallengeDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    forbidden: 'Not the staff of a vendor that bid in this cycle.',
    conflict: 'The period has not opened (no result notice yet) or has ended (the message says until when it was open), or the procedure provides no challenges.',
    unprocessable: 'No grounds given, or `affectsResult` is not true or false.',
    unavailable: UNAVAILABLE,
  })
  fileChallenge(@Param() params: CycleIdParamsDto, @Body() body: FileChallengeDto, @CurrentUser() user: Identity): Promise<FiledChallengeDto> {
    return this.cycles.fileChallenge(user, params.id, body);
  }
}
