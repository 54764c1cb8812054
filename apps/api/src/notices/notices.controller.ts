import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { ListPublicNoticesQueryDto, PublicNoticeDto, PublicNoticeIdParamsDto, PublicNoticeListDto } from './notices.dto.js';
import { NoticesService } from './notices.service.js';

/** Published notices, readable by anyone without an access token (information disclosure, seeds 000 and 003). */
@ApiTags('public notices')
@Public()
@Controller('public/notices')
export class NoticesController {
  constructor(private readonly notices: NoticesService) {}

  @Get()
  @ApiOperation({ summary: 'Published notices, newest first; no access token needed.' })
  @ApiOkResponse({ type: PublicNoticeListDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'An unknown kind, a malformed jurisdiction or a bad paging value.' })
  list(@Query() query: ListPublicNoticesQueryDto): Promise<PublicNoticeListDto> {
    return this.notices.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One published notice; no access token needed.' })
  @ApiOkResponse({ type: PublicNoticeDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No notice with this id was published.' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'The id is not a UUID.' })
  get(@Param() params: PublicNoticeIdParamsDto): Promise<PublicNoticeDto> {
    return this.notices.get(params.id);
  }
}
