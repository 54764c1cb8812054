import { Module } from '@nestjs/common';
import { RepairModule } from './repair/repair.module.js';

/**
 * What ops staff use: what is late, what is stuck and why, one process inspected, and safe repairs.
 * Each concern is its own module under `ops/`; this one gathers them for the application.
 */
@Module({
  imports: [RepairModule],
})
export class OpsModule {}
