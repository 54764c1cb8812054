import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { ProcurementWorkflowsModule } from '../procurement/procurement-workflows.module.js';
import { VendorsModule } from '../vendors/vendors.module.js';
import { CyclesController } from './cycles.controller.js';
import { CyclesRepository } from './cycles.repository.js';
import { CyclesService } from './cycles.service.js';

@Module({
  imports: [DefinitionsModule, ProcurementWorkflowsModule, VendorsModule],
  controllers: [CyclesController],
  providers: [CyclesService, CyclesRepository],
})
export class CyclesModule {}
