import { Module } from '@nestjs/common';
import { ProcessesModule } from './processes/processes.module.js';

/**
 * What ops staff use: what is late, what is stuck and why, one process inspected, and safe repairs.
 * Each concern is its own module under `ops/`; this one gathers them for the application.
 */
@Module({
  imports: [ProcessesModule],
})
export class OpsModule {}
