import { Module } from '@nestjs/common';
import { CasesModule } from '../../cases/cases.module.js';
import { ProcurementWorkflowsModule } from '../../procurement/procurement-workflows.module.js';
import { BulkController } from './bulk.controller.js';
import { BulkRepository } from './bulk.repository.js';
import { BulkService } from './bulk.service.js';

/** Cancel and terminate cycles, contracts and cases, one process or a dry-run selection of many. */
@Module({
  imports: [ProcurementWorkflowsModule, CasesModule],
  controllers: [BulkController],
  providers: [BulkService, BulkRepository],
})
export class OpsBulkModule {}
