import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../../definitions/definitions.module.js';
import { ProcurementWorkflowsModule } from '../../procurement/procurement-workflows.module.js';
import { TasksModule } from '../../tasks/tasks.module.js';
import { OverdueController } from './overdue.controller.js';
import { OverdueRepository } from './overdue.repository.js';
import { OverdueService } from './overdue.service.js';

/** What is late: the overdue list, and ops staff's repairs of a task (extend, reassign, escalate). */
@Module({ imports: [DefinitionsModule, ProcurementWorkflowsModule, TasksModule], controllers: [OverdueController], providers: [OverdueService, OverdueRepository], exports: [OverdueService] })
export class OverdueModule {}
