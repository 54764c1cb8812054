import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../../src/identity/identity.js';
import { SUSPENDER_ROLES, VERIFIER_ROLE } from '../../../../src/vendors/vendor.js';
import { ApiAuthenticated, CurrentUser, RequireRoles } from '../auth/auth.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { CreateVendorDto, ListVendorsQueryDto, SuspendVendorDto, VendorDto, VendorIdParamsDto, VendorListDto, VerifyVendorDto } from './vendors.dto.js';
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
    summary: 'Register a vendor (承接主体) with its evidence per qualification criterion; it waits for verification by civil affairs.',
  })
  @ApiCreatedResponse({ type: VendorDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The unified social credit code is already registered.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A field is invalid (e.g. the credit code fails its check), or a criterion is evidenced twice.' })
  register(@Body() body: CreateVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.register(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'The vendors of the caller’s jurisdiction (and national ones), by name.' })
  @ApiOkResponse({ type: VendorListDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'An unknown status, or a bad paging value.' })
  list(@Query() query: ListVendorsQueryDto, @CurrentUser() user: Identity): Promise<VendorListDto> {
    return this.vendors.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One vendor with its evidence, verification and suspension.' })
  @ApiOkResponse({ type: VendorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  get(@Param() params: VendorIdParamsDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.get(user, params.id);
  }

  @Post(':id/verification')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(VERIFIER_ROLE)
  @ApiOperation({
    summary: 'Civil affairs verifies or rejects the vendor’s qualifications (seed 001 §二(七)).',
    description: 'A rejection needs a comment. Whoever registered the vendor may not verify it. A verified vendor stays verified (suspend it to stop it); a rejected one may be verified later.',
  })
  @ApiOkResponse({ type: VendorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The vendor is already verified, or already rejected.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown decision, or a rejection without a comment.' })
  verify(@Param() params: VendorIdParamsDto, @Body() body: VerifyVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.verify(user, params.id, body);
  }

  @Post(':id/suspension')
  @HttpCode(HttpStatus.OK)
  @RequireRoles(...SUSPENDER_ROLES)
  @ApiOperation({ summary: 'Suspend the vendor, with the reason: it may no longer bid or be awarded (the exit mechanism of seed 003).' })
  @ApiOkResponse({ type: VendorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_VISIBLE })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The vendor is already suspended.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'The reason is missing or empty.' })
  suspend(@Param() params: VendorIdParamsDto, @Body() body: SuspendVendorDto, @CurrentUser() user: Identity): Promise<VendorDto> {
    return this.vendors.suspend(user, params.id, body);
  }
}
