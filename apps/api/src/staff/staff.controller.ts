import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Identity } from '../../../../src/identity/identity.js';
import { ApiAuthenticated, CurrentUser } from '../auth/auth.decorators.js';
import { CaseIdParamsDto } from '../cases/cases.dto.js';
import { ApiErrors } from '../common/api-errors.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { VendorIdParamsDto } from '../vendors/vendors.dto.js';
import {
  AssignCaseDto,
  CaseAssignmentDto,
  EndMembershipDto,
  ListStaffQueryDto,
  RegisterStaffDto,
  StaffDto,
  StaffingQueryDto,
  StaffingReportDto,
  StaffListDto,
  StaffParamsDto,
} from './staff.dto.js';
import { StaffService } from './staff.service.js';

const NOT_VISIBLE = 'No such vendor, or it belongs to another jurisdiction, or the caller is staff of another vendor.';
const READERS = 'Read by the vendor’s own staff, and by the judicial office and administrators of its jurisdiction or of a jurisdiction where it serves cases.';

@ApiTags('staff')
@ApiAuthenticated()
@Controller('vendors')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Post(':id/staff')
  @ApiOperation({
    summary: 'Register a social worker or volunteer of the vendor (by the vendor’s own staff).',
    description: 'Answers 201 with the member; a repeated requestId answers 200 with the member the first request registered.',
  })
  @ApiCreatedResponse({ type: StaffDto })
  @ApiOkResponse({ type: StaffDto, description: 'The requestId was used before for the same registration.' })
  @ApiErrors({
    forbidden: 'Not the vendor’s own staff (`details[0].field` `role`).',
    notFound: NOT_VISIBLE,
    conflict: 'The requestId was used for another request.',
    unprocessable: 'A field is invalid (`details` names it).',
  })
  async register(@Param() params: VendorIdParamsDto, @Body() body: RegisterStaffDto, @CurrentUser() user: Identity, @Res({ passthrough: true }) response: Response): Promise<StaffDto> {
    const { created, member } = await this.staff.register(user, params.id, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return member;
  }

  @Get(':id/staff')
  @ApiOperation({ summary: 'The vendor’s social workers and volunteers, with the cases each serves now.', description: READERS })
  @ApiOkResponse({ type: StaffListDto })
  @ApiErrors({
    forbidden: 'A role that does not read vendor staff.',
    notFound: NOT_VISIBLE,
    unprocessable: 'A filter is malformed.',
  })
  list(@Param() params: VendorIdParamsDto, @Query() query: ListStaffQueryDto, @CurrentUser() user: Identity): Promise<StaffListDto> {
    return this.staff.list(user, params.id, query);
  }

  @Post(':id/staff/:staffId/departure')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'End a member’s membership: from the day they left they are not staff, and no longer count as serving their cases.',
    description: 'By the vendor’s own staff. Their cases keep them in their assignment history; assign the cases anew.',
  })
  @ApiOkResponse({ type: StaffDto })
  @ApiErrors({
    forbidden: 'Not the vendor’s own staff.',
    notFound: `${NOT_VISIBLE} Or no such member of this vendor.`,
    conflict: 'The member has already left.',
    unprocessable: 'leftOn is not a day, or not after the day they joined.',
  })
  endMembership(@Param() params: StaffParamsDto, @Body() body: EndMembershipDto, @CurrentUser() user: Identity): Promise<StaffDto> {
    return this.staff.endMembership(user, params.id, params.staffId, body);
  }

  @Get(':id/staffing')
  @ApiOperation({
    summary: 'The vendor’s staffing at an instant against its cases’ lifecycle ratios: overloaded social workers, cases without one, cases short of volunteers.',
    description: `${READERS} Each breach names the ratio and the lifecycle version (and seed) it comes from.`,
  })
  @ApiOkResponse({ type: StaffingReportDto })
  @ApiErrors({
    forbidden: 'A role that does not read vendor staff.',
    notFound: NOT_VISIBLE,
    unprocessable: '`at` is not an instant, or contractId is malformed.',
  })
  report(@Param() params: VendorIdParamsDto, @Query() query: StaffingQueryDto, @CurrentUser() user: Identity): Promise<StaffingReportDto> {
    return this.staff.report(user, params.id, query);
  }
}

@ApiTags('cases')
@ApiAuthenticated()
@Controller('cases')
export class CaseAssignmentController {
  constructor(private readonly staff: StaffService) {}

  @Post(':id/assignment')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Assign the case’s social worker and volunteers, from the serving vendor’s staff; checked against the lifecycle’s staffing ratios.',
    description:
      'By the judicial office or an administrator of the case’s jurisdiction, or by the serving vendor’s staff. The assignment replaces the current one; ' +
      'ended assignments stay in the history. Judged under row locks: two assignments at once cannot both pass a ratio.',
  })
  @ApiOkResponse({ type: CaseAssignmentDto })
  @ApiErrors({
    forbidden: 'A role that does not assign cases.',
    notFound: 'No such case, or of another jurisdiction or organisation (or not yet in the read model: retry).',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The social worker would serve more cases than `staffing.socialWorker.maxCasesEach` allows (the message names the worker, the count and the ratio with its source), a member has left, the case has ended or has no serving vendor, or the requestId was used for another request.',
  })
  @ApiErrors({
    unprocessable: 'A member is unknown, of another organisation or of the wrong kind (`details` names the field).',
  })
  assign(@Param() params: CaseIdParamsDto, @Body() body: AssignCaseDto, @CurrentUser() user: Identity): Promise<CaseAssignmentDto> {
    return this.staff.assign(user, params.id, body);
  }
}
