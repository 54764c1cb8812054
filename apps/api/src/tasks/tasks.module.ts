import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { ProcurementWorkflowsModule } from '../procurement/procurement-workflows.module.js';
import { VendorsModule } from '../vendors/vendors.module.js';
import { TasksController } from './tasks.controller.js';
import { TasksRepository } from './tasks.repository.js';
import { TasksService } from './tasks.service.js';

@Module({ imports: [DefinitionsModule, ProcurementWorkflowsModule, VendorsModule], controllers: [TasksController], providers: [TasksService, TasksRepository], exports: [TasksRepository] })
export class TasksModule {}
