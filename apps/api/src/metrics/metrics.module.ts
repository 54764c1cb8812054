import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { ReadModelMetricsService } from './read-model-metrics.service.js';

@Module({ controllers: [MetricsController], providers: [ReadModelMetricsService] })
export class MetricsModule {}
