import { Module } from '@nestjs/common';
import { OverdueModule } from './overdue/overdue.module.js';
import { StuckModule } from './stuck/stuck.module.js';
import { OpsBulkModule } from './bulk/bulk.module.js';
import { RepairModule } from './repair/repair.module.js';
import { ProcessesModule } from './processes/processes.module.js';

/**
 * What ops staff use: what is late, what is stuck and why, one process inspected, and safe repairs.
 * Each concern is its own module under `ops/`; this one gathers them for the application.
 */
@Module({
  imports: [OverdueModule, StuckModule, OpsBulkModule, RepairModule, ProcessesModule],
})
export class OpsModule {}
