import { Module } from '@nestjs/common';
import { ProcurementWorkflowsGateway } from './procurement-workflows.gateway.js';

/** The Temporal side of the procurement API, shared by the cycles and tasks modules. */
@Module({ providers: [ProcurementWorkflowsGateway], exports: [ProcurementWorkflowsGateway] })
export class ProcurementWorkflowsModule {}
