import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { CasesWorkflowsGateway } from './cases-workflows.gateway.js';
import { CasesController } from './cases.controller.js';
import { CasesRepository } from './cases.repository.js';
import { CasesService } from './cases.service.js';

@Module({
  imports: [DefinitionsModule, StaffModule],
  controllers: [CasesController],
  providers: [CasesService, CasesRepository, CasesWorkflowsGateway],
  // Ops cancel cases through the same door as everyone else's case updates.
  exports: [CasesWorkflowsGateway],
})
export class CasesModule {}
