import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
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
  @ApiErrors({
    unprocessable: 'An unknown kind, a malformed jurisdiction or a bad paging value.',
  })
  list(@Query() query: ListPublicNoticesQueryDto): Promise<PublicNoticeListDto> {
    return this.notices.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One published notice; no access token needed.' })
  @ApiOkResponse({ type: PublicNoticeDto })
  @ApiErrors({
    notFound: 'No notice with this id was published.',
    unprocessable: 'The id is not a UUID.',
  })
  get(@Param() params: PublicNoticeIdParamsDto): Promise<PublicNoticeDto> {
    return this.notices.get(params.id);
  }
}
