import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { SUSPENDER_ROLES } from '../../../../src/vendors/vendor.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import {
  CreateVendorDto,
  ListVendorsQueryDto,
  QualificationEvidenceDto,
  ReinstateVendorDto,
  SuspendVendorDto,
  VendorDto,
  VendorHistoryDto,
  VendorIdParamsDto,
  VendorListDto,
  VerifyVendorDto,
} from './vendors.dto.js';
import { VendorsService } from './vendors.service.js';

const NOT_VISIBLE = 'No such vendor, or it belongs to another jurisdiction.';

@ApiTags('vendors')
@ApiAuthenticated()
@Controller('vendors')
export class VendorsController {
  constructor(private readonly vendors: VendorsService) {}

  @Post()
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'Register a vendor (承接主体) with its evidence per qualification criterion; each criterion waits for verification by the role the procedures name.',
  })
  @ApiCreatedResponse({ type: VendorDto })
  @ApiErrors({
    conflict: 'The unified social credit code is already registered.',
    unprocessable: 'A field is invalid (e.g. the credit code fails its check), or a criterion is evidenced twice.',
  })
  register(@Body() body: CreateVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.register(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'The vendors of the caller’s jurisdiction (and national ones), by name.' })
  @ApiOkResponse({ type: VendorListDto })
  @ApiErrors({
    unprocessable: 'An unknown status, or a bad paging value.',
  })
  list(@Query() query: ListVendorsQueryDto, @CurrentUser() user: Identity): Promise<VendorListDto> {
    return this.vendors.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One vendor with its evidence, verification and suspension.' })
  @ApiOkResponse({ type: VendorDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unprocessable: 'The id is not a UUID.',
  })
  get(@Param() params: VendorIdParamsDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.get(user, params.id);
  }

  @Get(':id/history')
  @ApiOperation({
    summary: 'The vendor’s performance history: every decided evaluation of its contracts (score, group scores, grade, period, contract, cycle, procedure, evaluator), oldest first, and the summary selection reads as `vendor.history`.',
  })
  @ApiOkResponse({ type: VendorHistoryDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unprocessable: 'The id is not a UUID.',
  })
  history(@Param() params: VendorIdParamsDto, @CurrentUser() user: Identity): Promise<VendorHistoryDto> {
    return this.vendors.history(user, params.id);
  }

  @Post(':id/evidence')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(ADMINISTRATOR_ROLE)
  @ApiOperation({
    summary: 'File a (new) document for one criterion, e.g. a renewed tax certificate with its validUntil.',
    description: 'It replaces the document on file for that criterion, whose verifications and rejection no longer apply: the criterion waits for verification again.',
  })
  @ApiOkResponse({ type: VendorDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    unprocessable: 'A field is invalid, or the vendor already carries evidence for the most criteria.',
  })
  fileEvidence(@Param() params: VendorIdParamsDto, @Body() body: QualificationEvidenceDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.fileEvidence(user, params.id, body);
  }

  @Post(':id/verification')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Verify or reject the evidence of some criteria, in the role a procedure names in qualification.verifiedBy (seed 001 §二(七)).',
    description:
      '`role` must be one the caller holds and one that a procedure deployed for the vendor’s jurisdiction names in `selection.qualification.verifiedBy`; ' +
      'absent, the caller’s only such role. `criteria` are the criterion ids decided; absent, every criterion on file that the role verifies. ' +
      'A rejection needs a comment. Whoever registered the vendor may not verify it. A verification stands (suspend the vendor, or file a new document, to end it); ' +
      'a rejected criterion may be verified later. A vendor bids only when every criterion of the cycle’s procedure is verified by that procedure’s role and not expired.',
  })
  @ApiOkResponse({ type: VendorDto })
  @ApiErrors({
    forbidden: 'The role is not the caller’s, or no procedure of the jurisdiction has it verify (`details[0].field` `role`); or the caller registered the vendor.',
    notFound: NOT_VISIBLE,
    conflict: 'Every named criterion is already verified (or already rejected) in that role.',
    unprocessable: 'Unknown decision, a rejection without a comment, or a criterion not on file or not verified by that role (`criteria.<n>`).',
  })
  verify(@Param() params: VendorIdParamsDto, @Body() body: VerifyVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.verify(user, params.id, body);
  }

  @Post(':id/suspension')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(...SUSPENDER_ROLES)
  @ApiOperation({ summary: 'Suspend the vendor, with the reason: it may no longer bid or be awarded (the exit mechanism of seed 003).' })
  @ApiOkResponse({ type: VendorDto })
  @ApiErrors({
    notFound: NOT_VISIBLE,
    conflict: 'The vendor is already suspended.',
    unprocessable: 'The reason is missing or empty.',
  })
  suspend(@Param() params: VendorIdParamsDto, @Body() body: SuspendVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.suspend(user, params.id, body);
  }

  @Post(':id/reinstatement')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'End the vendor’s suspension, with the reason: it may bid, be invited, awarded and sign again.',
    description:
      'Decided by the role the suspending exit names (`performance.exit.reinstatedBy`, shown as the vendor’s `reinstatementRole`); ' +
      'a suspension without one is ended by administrators or the finance bureau. Audited as `vendor.reinstated`.',
  })
  @ApiOkResponse({ type: VendorDto })
  @ApiErrors({
    forbidden: 'The caller holds none of the roles that may reinstate (`details[0].field` `role`), or the vendor belongs to another jurisdiction.',
    notFound: NOT_VISIBLE,
    conflict: 'The vendor is not suspended.',
    unprocessable: 'The reason is missing or empty.',
  })
  reinstate(@Param() params: VendorIdParamsDto, @Body() body: ReinstateVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.reinstate(user, params.id, body);
  }
}
