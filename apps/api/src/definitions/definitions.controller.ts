import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
import { MAX_JSON_BODY_BYTES } from '../common/body-limit.js';
import { ApiErrors } from '../common/api-errors.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import {
  DefinitionDiffDto,
  DefinitionDiffQueryDto,
  DefinitionHistoryDto,
  DefinitionKeyParamsDto,
  DefinitionListDto,
  DefinitionVersionDto,
  DefinitionVersionParamsDto,
  DeployDefinitionsDto,
  DeployResultDto,
  ListDefinitionsQueryDto,
  MAX_DEFINITION_LENGTH,
  ValidateDefinitionsDto,
  ValidationReportDto,
} from './definitions.dto.js';
import { DefinitionsService } from './definitions.service.js';

const NOT_VISIBLE = 'No such key or version, or it belongs to another jurisdiction.';

/** What validate and deploy say about how much they accept and how long they compile. */
const COMPILE_LIMITS =
  `The request body may have at most ${MAX_JSON_BODY_BYTES / (1024 * 1024)} MiB, each file at most ${MAX_DEFINITION_LENGTH.toLocaleString('en-US')} characters; ` +
  'larger is answered 413. Files are compiled off the API\'s event loop, each within a time budget ' +
  '(PROCUREFLOW_DEFINITION_COMPILE_TIMEOUT_MS, 10 s by default); a file that takes longer is stopped and the request answered 422 ' +
  'with a PF-LIMIT-COMPILE diagnostic naming it.';
const TOO_LARGE = `The body is over ${MAX_JSON_BODY_BYTES / (1024 * 1024)} MiB, or a file over ${MAX_DEFINITION_LENGTH.toLocaleString('en-US')} characters (\`details\` names it); nothing was compiled.`;

@ApiTags('definitions')
@ApiAuthenticated()
@Controller('definitions')
export class DefinitionsController {
  constructor(private readonly definitions: DefinitionsService) {}

  @Post('validate')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Compile definition files and report every problem, located; stores nothing.',
    description: `Only administrators, who deploy, may validate through the API (anyone may run \`procureflow definitions validate\` locally). ${COMPILE_LIMITS}`,
  })
  @ApiOkResponse({ type: ValidationReportDto, description: 'The report, whether or not the files are valid.' })
  @ApiErrors({
    payloadTooLarge: TOO_LARGE,
    unprocessable: 'The request body is malformed, or compiling a file was stopped (see `diagnostics`).',
  })
  validate(@Body() body: ValidateDefinitionsDto): Promise<ValidationReportDto> {
    return this.definitions.validate(body.files);
  }

  @Post()
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Deploy definition files, all or none.',
    description:
      'Every file is compiled first; if any has a problem nothing is stored and the answer is 422 with every diagnostic. ' +
      'Otherwise, in one transaction, each file becomes the next version of its key, or, when that exact content is ' +
      'already deployed, returns the existing version with `created: false`. ' +
      'An administrator deploys only the definitions of its own jurisdiction; national definitions (`metadata.jurisdiction.code` ' +
      '`cn`) and those of no jurisdiction (such as holiday calendars) need a national administrator (jurisdiction `cn`), and so ' +
      `does a key already registered to them. ${COMPILE_LIMITS}`,
  })
  @ApiCreatedResponse({ type: DeployResultDto, description: 'At least one new version was created.' })
  @ApiOkResponse({ type: DeployResultDto, description: 'Every file was already deployed with this content; nothing changed.' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'A file, or the key it names, belongs to a jurisdiction the caller may not deploy for (`details` names each); nothing was stored.',
  })
  @ApiErrors({
    payloadTooLarge: TOO_LARGE,
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'A file does not compile or its compile was stopped (see `diagnostics`), a key would change kind, or the body is malformed.',
  })
  async deploy(
    @Body() body: DeployDefinitionsDto,
    @CurrentUser() user: Identity,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DeployResultDto> {
    const result = await this.definitions.deploy(user, body.files, body.comment);
    response.status(result.created ? HttpStatus.CREATED : HttpStatus.OK);
    return result;
  }

  @Get()
  @ApiOperation({ summary: 'The newest version of every definition the caller may see.' })
  @ApiOkResponse({ type: DefinitionListDto })
  @ApiErrors({
    unprocessable: 'Unknown kind or service type.',
  })
  list(@Query() query: ListDefinitionsQueryDto, @CurrentUser() user: Identity): Promise<DefinitionListDto> {
    return this.definitions.list(user, query.kind, query.serviceType);
  }

  @Get(':key')
  @ApiOperation({ summary: 'Every version of one definition, newest first.' })
  @ApiOkResponse({ type: DefinitionHistoryDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
  })
  history(@Param() params: DefinitionKeyParamsDto, @CurrentUser() user: Identity): Promise<DefinitionHistoryDto> {
    return this.definitions.history(user, params.key);
  }

  @Get(':key/versions/:version')
  @ApiOperation({ summary: 'One version: its compiled definition and the YAML it was deployed from.' })
  @ApiOkResponse({ type: DefinitionVersionDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unprocessable: 'The version is not a whole number from 1.',
  })
  version(@Param() params: DefinitionVersionParamsDto, @CurrentUser() user: Identity): Promise<DefinitionVersionDto> {
    return this.definitions.version(user, params.key, params.version);
  }

  @Get(':key/diff')
  @ApiOperation({ summary: 'What changed between two versions of a definition: added, removed and changed paths.' })
  @ApiOkResponse({ type: DefinitionDiffDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unprocessable: '`from` or `to` is missing or not a whole number from 1.',
  })
  diff(@Param() params: DefinitionKeyParamsDto, @Query() query: DefinitionDiffQueryDto, @CurrentUser() user: Identity): Promise<DefinitionDiffDto> {
    return this.definitions.diff(user, params.key, query.from, query.to);
  }
}
