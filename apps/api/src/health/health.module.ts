import { Module } from '@nestjs/common';
import { CalendarHorizonService } from './calendar-horizon.service.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({ controllers: [HealthController], providers: [HealthService, CalendarHorizonService], exports: [HealthService, CalendarHorizonService] })
export class HealthModule {}
