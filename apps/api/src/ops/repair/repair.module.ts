import { Module } from '@nestjs/common';
import { ProcurementWorkflowsModule } from '../../procurement/procurement-workflows.module.js';
import { RepairController } from './repair.controller.js';
import { RepairGateway } from './repair.gateway.js';
import { RepairRepository } from './repair.repository.js';
import { RepairService } from './repair.service.js';

/** Ops repairs of one process: retry its failing activities now. */
@Module({ imports: [ProcurementWorkflowsModule], controllers: [RepairController], providers: [RepairService, RepairRepository, RepairGateway] })
export class RepairModule {}
