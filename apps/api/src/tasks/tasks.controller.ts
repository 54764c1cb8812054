import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { DecideTaskDto, DecisionResultDto, ListTasksQueryDto, TaskDto, TaskFormDto, TaskIdParamsDto, TaskListDto } from './tasks.dto.js';
import { TasksService } from './tasks.service.js';

const NOT_VISIBLE = 'No such task, or it belongs to another jurisdiction.';

@ApiTags('tasks')
@ApiAuthenticated()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({
    summary: 'The inbox: tasks of your jurisdiction for a role you hold (or that escalated to one), soonest due first.',
    description: 'Open tasks unless `status` says otherwise.',
  })
  @ApiOkResponse({ type: TaskListDto })
  @ApiErrors({
    unprocessable: 'A filter is malformed.',
  })
  list(@Query() query: ListTasksQueryDto, @CurrentUser() user: Identity): Promise<TaskListDto> {
    return this.tasks.inbox(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task, open or closed, with its decision.' })
  @ApiOkResponse({ type: TaskDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
  })
  get(@Param() params: TaskIdParamsDto, @CurrentUser() user: Identity): Promise<TaskDto> {
    return this.tasks.get(user, params.id);
  }

  @Get(':id/form')
  @ApiOperation({
    summary: 'The form the task is decided with, as the definition its cycle runs declares it.',
    description:
      'Typed fields (money in fen) with their bounds, the outcomes the task allows, which need a comment, and what each outcome does next. ' +
      'The workflow checks a decision against exactly this; a console renders it without knowing the procedure.',
  })
  @ApiOkResponse({ type: TaskFormDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
  })
  form(@Param() params: TaskIdParamsDto, @CurrentUser() user: Identity): Promise<TaskFormDto> {
    return this.tasks.form(user, params.id);
  }

  @Post(':id/decision')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Decide a task: submit, approve, return or reject, with the form and, for special tasks, the payload.',
    description:
      'The workflow owning the task judges the decision (your role, four-eyes, the task still open, the form) before anything happens. ' +
      '`requestId` makes the request idempotent: the same id again, even concurrently, has no second effect and gets the same answer.',
  })
  @ApiOkResponse({ type: DecisionResultDto, description: 'Decided; what the workflow has open now.' })
  @ApiErrors({
    forbidden: 'Not your role or jurisdiction, or the four-eyes rule: you decided an earlier task this one must be checked by another person.',
    notFound: NOT_VISIBLE,
    conflict: 'The task is no longer open, or its cycle has ended.',
    unprocessable: 'An outcome the task does not allow, a bad form field, payload or missing comment; `details` names the field.',
    unavailable: 'The workflow did not answer in time; send the same requestId again to learn the outcome.',
  })
  decide(@Param() params: TaskIdParamsDto, @Body() body: DecideTaskDto, @CurrentUser() user: Identity): Promise<DecisionResultDto> {
    return this.tasks.decide(user, params.id, body);
  }
}
