import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { OverdueItemDto, OverdueListDto, TaskRepairResultDto } from '../../../../api/src/ops/overdue/overdue.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../../api-client.js';
import { CliError, createOutput, formatTable, formatTime } from '../../output.js';
import { parsePositive } from '../cycles.command.js';

interface OverdueOptions extends ApiOptions {
  readonly json: boolean;
  readonly role?: string;
  readonly jurisdiction?: string;
  readonly definition?: string;
  readonly kind?: string;
  readonly overdueBy?: number;
  readonly at?: string;
  readonly limit?: number;
  readonly watch?: boolean;
}

interface RepairOptions extends ApiOptions {
  readonly json: boolean;
  readonly reason: string;
  readonly requestId?: string;
}

/** How often `--watch` reads the list again. */
const WATCH_INTERVAL_MS = 5_000;

/** `procureflow ops overdue | extend | reassign | escalate`: what is late, and the repairs of a task. */
export function registerOverdueCommands(ops: Command): void {
  withApiOptions(
    ops
      .command('overdue')
      .description('open tasks past their due time, most late first: working days and hours late, holder, escalation')
      .option('--role <role>', 'only tasks this role holds or that escalate to it')
      .option('--jurisdiction <code>', 'only this jurisdiction (national staff)')
      .option('--definition <key>', 'only processes of this definition')
      .option('--kind <kind>', 'cycle, contract or case')
      .option('--overdue-by <n>', 'only tasks at least this many working days late', parsePositive('--overdue-by'))
      .option('--at <instant>', 'measure lateness at this instant (ISO-8601) instead of now')
      .option('--limit <n>', 'at most this many', parsePositive('--limit'))
      .option('--watch', `show the list again every ${WATCH_INTERVAL_MS / 1000} seconds until Ctrl-C`),
  ).action(async (options: OverdueOptions) => {
    const api = createApiClient(options);
    const query = new URLSearchParams();
    for (const [name, value] of [
      ['role', options.role],
      ['jurisdiction', options.jurisdiction],
      ['definition', options.definition],
      ['kind', options.kind],
      ['overdueBy', options.overdueBy],
      ['at', options.at],
      ['limit', options.limit],
    ] as const) {
      if (value !== undefined) query.set(name, String(value));
    }
    const show = async () => {
      const { body } = await api.request<OverdueListDto>('GET', `/ops/overdue${query.size > 0 ? `?${query.toString()}` : ''}`);
      createOutput(options.json).result(body, renderOverdue);
    };
    await show();
    if (!options.watch) return;
    // Re-renders until the person stops it (Ctrl-C ends the process); a failed read ends the watch with its error.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
      if (!options.json) process.stdout.write('\x1b[2J\x1b[H');
      await show();
    }
  });

  repairCommand(ops, 'extend', 'move an open task’s due time later, with the reason')
    .option('--until <instant>', 'the new due time (ISO-8601), later than the current one')
    .option('--working-days <n>', 'working days added to the current due time on the jurisdiction’s calendar', parsePositive('--working-days'))
    .action(async (taskId: string, options: RepairOptions & { until?: string; workingDays?: number }) => {
      if ((options.until === undefined) === (options.workingDays === undefined)) throw new CliError('give exactly one of --until and --working-days');
      await repair(options, taskId, 'extension', options.until !== undefined ? { until: options.until } : { workingDays: options.workingDays });
    });

  repairCommand(ops, 'reassign', 'hand an open task to another role its procedure declares, with the reason')
    .requiredOption('--role <role>', 'the role to hand it to')
    .action(async (taskId: string, options: RepairOptions & { role: string }) => {
      await repair(options, taskId, 'reassignment', { role: options.role });
    });

  repairCommand(ops, 'escalate', 'escalate an open task now to the role its definition escalates to, with the reason').action(async (taskId: string, options: RepairOptions) => {
    await repair(options, taskId, 'escalation', {});
  });
}

function repairCommand(ops: Command, name: string, description: string): Command {
  return withApiOptions(
    ops
      .command(name)
      .description(description)
      .argument('<taskId>', 'the task id as `ops overdue` or `tasks list` prints it')
      .requiredOption('--reason <text>', 'why: kept in the audit trail')
      .option('--request-id <id>', 'repeat a repair safely: the same id never takes effect twice (default: a fresh id, printed)'),
  );
}

async function repair(options: RepairOptions, taskId: string, what: 'extension' | 'reassignment' | 'escalation', body: Record<string, unknown>): Promise<void> {
  const requestId = options.requestId ?? randomUUID();
  try {
    const { body: result } = await createApiClient(options).request<TaskRepairResultDto>('POST', `/ops/tasks/${encodeURIComponent(taskId)}/${what}`, {
      requestId,
      reason: options.reason,
      ...body,
    });
    createOutput(options.json).result(result, (r) =>
      [
        `Repaired ${r.taskId} (${what})`,
        `  request id  ${r.requestId} (repeat with --request-id ${r.requestId}: it will not take effect twice)`,
        `  held by     ${r.role}${r.escalatedTo.length > 0 ? `, escalated to ${r.escalatedTo.join(', ')}` : ''}`,
        `  due         ${formatTime(r.dueAt)}`,
      ].join('\n'),
    );
  } catch (error) {
    // Whatever happened, the person can repeat the request safely with the same id.
    if (error instanceof CliError) throw new CliError(`${error.message} (request id ${requestId})`, error.exitCode, error.report, { ...error.data, requestId });
    throw error;
  }
}

function renderOverdue(list: OverdueListDto): string {
  if (list.items.length === 0) return `Nothing overdue at ${formatTime(list.at)}.`;
  return [
    `Overdue at ${formatTime(list.at)}, most late first:`,
    formatTable(
      ['TASK', 'KIND', 'JURISDICTION', 'STEP', 'DUE', 'LATE', 'HELD BY', 'ESCALATES TO', 'TITLE'],
      list.items.map((item) => [item.id, item.processKind, item.jurisdiction, item.step ?? '-', formatTime(item.dueAt), lateness(item), holder(item), escalation(item), `${item.title.zh} ${item.title.en}`]),
    ),
    ...(list.nextCursor ? ['', 'More: narrow the filters or raise --limit.'] : []),
  ].join('\n');
}

function lateness(item: OverdueItemDto): string {
  const days = item.workingDaysLate === null ? `? working days (deploy ${item.calendarMissing ?? 'the calendar'})` : `${item.workingDaysLate} working day${item.workingDaysLate === 1 ? '' : 's'}`;
  return `${days}, ${item.hoursLate} h`;
}

function holder(item: OverdueItemDto): string {
  const vendor = item.holder.vendorName ?? item.holder.vendorId;
  return [item.holder.role, ...item.holder.escalatedTo].join(' + ') + (vendor ? ` (${vendor})` : '');
}

function escalation(item: OverdueItemDto): string {
  if (!item.escalateTo) return '-';
  return `${item.escalateTo}${item.escalated ? ' (escalated)' : ''}`;
}
