import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
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
  ValidateDefinitionsDto,
  ValidationReportDto,
} from './definitions.dto.js';
import { DefinitionsService } from './definitions.service.js';

const NOT_VISIBLE = 'No such key or version, or it belongs to another jurisdiction.';

@ApiTags('definitions')
@ApiAuthenticated()
@Controller('definitions')
export class DefinitionsController {
  constructor(private readonly definitions: DefinitionsService) {}

  @Post('validate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Compile definition files and report every problem, located; stores nothing.' })
  @ApiOkResponse({ type: ValidationReportDto, description: 'The report, whether or not the files are valid.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'The request body is malformed.' })
  validate(@Body() body: ValidateDefinitionsDto): ValidationReportDto {
    return this.definitions.validate(body.files);
  }

  @Post()
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Deploy definition files, all or none.',
    description:
      'Every file is compiled first; if any has a problem nothing is stored and the answer is 422 with every diagnostic. ' +
      'Otherwise, in one transaction, each file becomes the next version of its key, or, when that exact content is ' +
      'already deployed, returns the existing version with `created: false`.',
  })
  @ApiCreatedResponse({ type: DeployResultDto, description: 'At least one new version was created.' })
  @ApiOkResponse({ type: DeployResultDto, description: 'Every file was already deployed with this content; nothing changed.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A file does not compile (see `diagnostics`), a key would change kind, or the body is malformed.' })
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
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown kind.' })
  list(@Query() query: ListDefinitionsQueryDto, @CurrentUser() user: Identity): Promise<DefinitionListDto> {
    return this.definitions.list(user, query.kind);
  }

  @Get(':key')
  @ApiOperation({ summary: 'Every version of one definition, newest first.' })
  @ApiOkResponse({ type: DefinitionHistoryDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  history(@Param() params: DefinitionKeyParamsDto, @CurrentUser() user: Identity): Promise<DefinitionHistoryDto> {
    return this.definitions.history(user, params.key);
  }

  @Get(':key/versions/:version')
  @ApiOperation({ summary: 'One version: its compiled definition and the YAML it was deployed from.' })
  @ApiOkResponse({ type: DefinitionVersionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'The version is not a whole number from 1.' })
  version(@Param() params: DefinitionVersionParamsDto, @CurrentUser() user: Identity): Promise<DefinitionVersionDto> {
    return this.definitions.version(user, params.key, params.version);
  }

  @Get(':key/diff')
  @ApiOperation({ summary: 'What changed between two versions of a definition: added, removed and changed paths.' })
  @ApiOkResponse({ type: DefinitionDiffDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: '`from` or `to` is missing or not a whole number from 1.' })
  diff(@Param() params: DefinitionKeyParamsDto, @Query() query: DefinitionDiffQueryDto, @CurrentUser() user: Identity): Promise<DefinitionDiffDto> {
    return this.definitions.diff(user, params.key, query.from, query.to);
  }
}
