import { Module } from '@nestjs/common';
import { ProcurementWorkflowsModule } from '../../procurement/procurement-workflows.module.js';
import { BulkController } from './bulk.controller.js';
import { BulkRepository } from './bulk.repository.js';
import { BulkService } from './bulk.service.js';

/** Cancel and terminate, one process or a dry-run selection of many. */
@Module({
  imports: [ProcurementWorkflowsModule],
  controllers: [BulkController],
  providers: [BulkService, BulkRepository],
})
export class OpsBulkModule {}
