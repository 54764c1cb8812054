import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { LivenessDto, ReadinessDto, ReadinessStatus } from './health.dto.js';
import { HealthService } from './health.service.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('health')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Liveness: the API process is up.' })
  @ApiOkResponse({ type: LivenessDto })
  liveness(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Temporal answer and workers poll every task queue.' })
  @ApiOkResponse({ type: ReadinessDto, description: 'Every dependency is up.' })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'At least one dependency is down; `checks` says which.' })
  async readiness(@Res({ passthrough: true }) response: Response): Promise<ReadinessDto> {
    const report = await this.health.readiness();
    response.status(report.status === ReadinessStatus.Ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
