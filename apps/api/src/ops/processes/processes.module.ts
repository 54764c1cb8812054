import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../../definitions/definitions.module.js';
import { ProcessesController } from './processes.controller.js';
import { ProcessesService } from './processes.service.js';

/** The ops list of processes and the inspection of one (which reads a cycle's procedure for who may read its sealed bids). */
@Module({ imports: [DefinitionsModule], controllers: [ProcessesController], providers: [ProcessesService] })
export class ProcessesModule {}
