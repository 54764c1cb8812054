/** The `procureflow` command line: one sub-command per task of administrators, approvers and ops staff. */
import { Command } from 'commander';
import { registerAuditCommand } from './commands/audit.command.js';
import { registerCasesCommand } from './commands/cases.command.js';
import { registerCyclesCommand } from './commands/cycles.command.js';
import { registerDefinitionsCommand } from './commands/definitions.command.js';
import { registerDevCommand } from './commands/dev.command.js';
import { registerOpsCommand } from './commands/ops.command.js';
import { registerStaffCommand } from './commands/staff.command.js';
import { registerStatusCommand } from './commands/status.command.js';
import { registerTasksCommand } from './commands/tasks.command.js';
import { CliError } from './output.js';

const program = new Command()
  .name('procureflow')
  .description('Procurement of community-correction, mediation and resettlement services, as durable workflows.')
  .showHelpAfterError();

registerStatusCommand(program);
registerDefinitionsCommand(program);
registerCyclesCommand(program);
registerTasksCommand(program);
registerCasesCommand(program);
registerStaffCommand(program);
registerAuditCommand(program);
registerOpsCommand(program);
registerDevCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const json = process.argv.includes('--json');
  const message = error instanceof Error ? error.message : String(error);
  const cliError = error instanceof CliError ? error : undefined;
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: message, ...cliError?.data }, null, 2)}\n`);
  } else {
    if (cliError?.report) process.stdout.write(`${cliError.report}\n`);
    process.stderr.write(`procureflow: ${message}\n`);
  }
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
