import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../../definitions/definitions.module.js';
import { HealthModule } from '../../health/health.module.js';
import { ProcurementWorkflowsModule } from '../../procurement/procurement-workflows.module.js';
import { OverdueModule } from '../overdue/overdue.module.js';
import { StuckController } from './stuck.controller.js';
import { StuckRepository } from './stuck.repository.js';
import { StuckService } from './stuck.service.js';

/** What is stuck and why (`GET /ops/stuck`), and the ops summary (`GET /ops/summary`). */
@Module({ imports: [HealthModule, ProcurementWorkflowsModule, DefinitionsModule, OverdueModule], controllers: [StuckController], providers: [StuckService, StuckRepository] })
export class StuckModule {}
