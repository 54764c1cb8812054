import { Module } from '@nestjs/common';
import { ProcessesController } from './processes.controller.js';
import { ProcessesService } from './processes.service.js';

/** The ops list of processes and the inspection of one. */
@Module({ controllers: [ProcessesController], providers: [ProcessesService] })
export class ProcessesModule {}
