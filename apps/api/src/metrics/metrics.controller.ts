import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AppConfig } from '../../../../src/config/config.js';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.js';
import { UnauthorizedError } from '../common/domain-errors.js';
import { APP_CONFIG } from '../common/injection-tokens.js';
import { scrapeAllowed } from '../../../../src/observability/scrape-token.js';
import { ReadModelMetricsService } from './read-model-metrics.service.js';

@ApiTags('health')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ReadModelMetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics: cycles, contracts and cases by status and step, overdue tasks, task ages, ledger lateness, decision latency, activity failures, projection lag.',
    description:
      'The Prometheus text format. Counts and durations only: no names, amounts or ids. When PROCUREFLOW_METRICS_TOKEN is set, ' +
      'the scrape must send it as `Authorization: Bearer <token>` (an access token does not do).',
  })
  @ApiOkResponse({ description: 'The metrics, in the Prometheus text exposition format.', schema: { type: 'string' } })
  @ApiErrors({ unauthorized: 'PROCUREFLOW_METRICS_TOKEN is set and the request did not send it.' })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response): Promise<string> {
    if (!scrapeAllowed(authorization, this.config.metricsToken)) {
      throw new UnauthorizedError('This API\u2019s metrics need its scrape token: send `Authorization: Bearer <PROCUREFLOW_METRICS_TOKEN>`.');
    }
    const { contentType, body } = await this.metrics.exposition();
    response.setHeader('Content-Type', contentType);
    return body;
  }
}
