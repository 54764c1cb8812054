import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import {
  CaseDetailDto,
  CaseEventAnswerDto,
  CaseEventDto,
  CaseIdParamsDto,
  CaseListDto,
  CaseTaskParamsDto,
  DecideCaseTaskDto,
  EnrolCaseDto,
  EnrolledCaseDto,
  ListCasesQueryDto,
} from './cases.dto.js';
import { CasesService } from './cases.service.js';

const NOT_VISIBLE = 'No such case, or it belongs to another jurisdiction (or, for vendor staff reading it, another organisation).';
const UNAVAILABLE = 'The case did not answer in time; send the same requestId again to learn the outcome.';

@ApiTags('cases')
@ApiAuthenticated()
@Controller('cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Post()
  @ApiOperation({
    summary: 'Enrol a supervised person’s case under a deployed supervision lifecycle.',
    description:
      'The case runs the lifecycle version asked for (the newest by default) for its whole life, in your jurisdiction. With `contractId`, ' +
      'the contract’s vendor serves it, and only that vendor’s staff record its evidence. The attributes are checked before anything starts.',
  })
  @ApiCreatedResponse({ type: EnrolledCaseDto })
  @ApiErrors({
    forbidden: 'Vendor staff do not enrol cases.',
    notFound: 'No such lifecycle, or no such version of it.',
    unprocessable: 'An attribute is unknown or out of bounds, the key is not a lifecycle, or the contract is not of your jurisdiction (`details` names the field).',
    unavailable: 'Temporal did not answer; enrol again with the same requestId.',
  })
  async enrol(@Body() body: EnrolCaseDto, @CurrentUser() user: Identity, @Res({ passthrough: true }) response: Response): Promise<EnrolledCaseDto> {
    const enrolled = await this.cases.enrol(user, body);
    response.setHeader('Location', enrolled.links.self);
    return enrolled;
  }

  @Get()
  @ApiOperation({ summary: 'Cases of your jurisdiction (vendor staff: of their organisation), newest first.' })
  @ApiOkResponse({ type: CaseListDto })
  @ApiErrors({
    forbidden: 'Vendor staff asking for another organisation’s cases.',
    unprocessable: 'A filter is malformed.',
  })
  list(@Query() query: ListCasesQueryDto, @CurrentUser() user: Identity): Promise<CaseListDto> {
    return this.cases.list(user, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One case: state, obligations and their fulfilment now, closed periods, breaches, tasks and timeline.',
    description: 'Confidential fields of its events appear only for the roles the lifecycle lets read them; for others they are listed in `withheld`.',
  })
  @ApiOkResponse({ type: CaseDetailDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
  })
  detail(@Param() params: CaseIdParamsDto, @CurrentUser() user: Identity): Promise<CaseDetailDto> {
    return this.cases.detail(user, params.id);
  }

  @Post(':id/events')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Record a lifecycle event (evidence such as a visit or an education session, or a step such as termination).' })
  @ApiOkResponse({ type: CaseEventAnswerDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    forbidden: 'Not a role that records this event, or staff of an organisation that does not serve the case.',
    conflict: 'The case’s state does not accept the event (the message names both), or the requestId was used for another request.',
    unprocessable: 'The event is not declared, a field of the payload is wrong, or `at` is in the future or before enrolment (`details` names the field).',
    unavailable: UNAVAILABLE,
  })
  event(@Param() params: CaseIdParamsDto, @Body() body: CaseEventDto, @CurrentUser() user: Identity): Promise<CaseEventAnswerDto> {
    return this.cases.event(user, params.id, body);
  }

  @Post(':id/tasks/:taskId')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close a task a missed obligation raised, saying what was done.' })
  @ApiOkResponse({ type: CaseEventAnswerDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    forbidden: 'Not the task’s role.',
    conflict: 'The task is already done, or the case has ended.',
    unprocessable: 'No such task, or no comment.',
    unavailable: UNAVAILABLE,
  })
  decideTask(@Param() params: CaseTaskParamsDto, @Body() body: DecideCaseTaskDto, @CurrentUser() user: Identity): Promise<CaseEventAnswerDto> {
    return this.cases.decideTask(user, params.id, params.taskId, body);
  }
}
