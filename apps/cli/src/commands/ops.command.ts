import type { Command } from 'commander';
import { registerOverdueCommands } from './ops/overdue.js';
import { registerStuckCommands } from './ops/stuck.js';
import { registerBulkCommands } from './ops/bulk.js';
import { registerRepairCommands } from './ops/repair.js';
import { registerProcessesCommands } from './ops/processes.js';

/** `procureflow ops …`: what is late, what is stuck and why, one process inspected, and safe repairs. */
export function registerOpsCommand(program: Command): void {
  const ops = program.command('ops').description('for ops staff: overdue and stuck processes, inspection, and repairs with a reason');
  registerOverdueCommands(ops);
  registerStuckCommands(ops);
  registerBulkCommands(ops);
  registerRepairCommands(ops);
  registerProcessesCommands(ops);
}
