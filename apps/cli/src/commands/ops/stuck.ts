import type { Command } from 'commander';
import type { OpsSummaryDto, StuckListDto } from '../../../../api/src/ops/stuck/stuck.dto.js';
import { PROCESS_KINDS, STUCK_CAUSES } from '../../../../api/src/ops/stuck/stuck-rules.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../../api-client.js';
import { CliError, createOutput, formatTable, formatTime } from '../../output.js';

interface StuckOptions extends ApiOptions {
  readonly json: boolean;
  readonly watch: boolean;
  readonly kind?: string;
  readonly cause?: string;
  readonly jurisdiction?: string;
}

interface SummaryOptions extends ApiOptions {
  readonly json: boolean;
  readonly watch: boolean;
}

/** How often `--watch` asks again. */
const WATCH_INTERVAL_MS = 5_000;

/** `procureflow ops stuck` and `ops summary`. */
export function registerStuckCommands(ops: Command): void {
  withApiOptions(
    ops
      .command('stuck')
      .description('list open cycles, contracts and cases that are stuck, with each cause in words')
      .option('--kind <kind>', `only ${PROCESS_KINDS.join(', ')}`)
      .option('--cause <cause>', `only this cause: ${STUCK_CAUSES.join(', ')}`)
      .option('--jurisdiction <code>', 'only this jurisdiction (national staff)')
      .option('--watch', 'show again every few seconds until Ctrl-C', false),
  ).action(async (options: StuckOptions) => {
    if (options.kind && !(PROCESS_KINDS as readonly string[]).includes(options.kind)) throw new CliError(`--kind must be one of ${PROCESS_KINDS.join(', ')}`);
    if (options.cause && !(STUCK_CAUSES as readonly string[]).includes(options.cause)) throw new CliError(`--cause must be one of ${STUCK_CAUSES.join(', ')}`);
    const api = createApiClient(options);
    await repeat(options.watch, async () => {
      const processes: StuckListDto['processes'] = [];
      let cursor: string | null = null;
      // Every page: the list is of what is stuck now, not of a first slice.
      do {
        const query = new URLSearchParams({ limit: '200' });
        if (options.kind) query.set('kind', options.kind);
        if (options.cause) query.set('cause', options.cause);
        if (options.jurisdiction) query.set('jurisdiction', options.jurisdiction);
        if (cursor) query.set('cursor', cursor);
        const { body }: { body: StuckListDto } = await api.request<StuckListDto>('GET', `/ops/stuck?${query.toString()}`);
        processes.push(...body.processes);
        cursor = body.nextCursor;
      } while (cursor);
      createOutput(options.json).result({ processes }, renderStuck);
    });
  });

  withApiOptions(
    ops
      .command('summary')
      .description('counts for ops staff: stuck processes by cause, open processes by kind and status, calendar warnings')
      .option('--watch', 'show again every few seconds until Ctrl-C', false),
  ).action(async (options: SummaryOptions) => {
    const api = createApiClient(options);
    await repeat(options.watch, async () => {
      const { body } = await api.request<OpsSummaryDto>('GET', '/ops/summary');
      createOutput(options.json).result(body, renderSummary);
    });
  });
}

function renderStuck({ processes }: { processes: StuckListDto['processes'] }): string {
  if (processes.length === 0) return 'Nothing is stuck.';
  const rows = processes.flatMap((process) =>
    process.causes.map((cause, index) => [
      index === 0 ? process.workflowId : '',
      index === 0 ? process.kind : '',
      index === 0 ? process.jurisdiction : '',
      cause.cause,
      formatTime(cause.since),
      cause.words,
    ]),
  );
  return formatTable(['PROCESS', 'KIND', 'JURISDICTION', 'CAUSE', 'SINCE', 'WHY'], rows);
}

function renderSummary(summary: OpsSummaryDto): string {
  const lines = [
    `ops summary at ${formatTime(summary.generatedAt)}: ${summary.stuck} stuck of ${summary.examined} open processes examined${summary.complete ? '' : ' (more exist)'}`,
    '',
    formatTable(['CAUSE', 'STUCK'], summary.stuckByCause.map((row) => [row.cause, String(row.count)])),
    '',
    summary.open.length === 0 ? 'No open processes.' : formatTable(['KIND', 'STATUS', 'OPEN'], summary.open.map((row) => [row.kind, row.status, String(row.count)])),
    '',
    summary.overdue === 0 ? 'Nothing overdue.' : `${summary.overdue} overdue (procureflow ops overdue lists them):\n${formatTable(['HELD BY', 'OVERDUE'], summary.overdueByRole.map((row) => [row.role, String(row.count)]))}`,
  ];
  if (summary.calendarWarnings.length > 0) {
    lines.push('', 'Calendar warnings:', ...summary.calendarWarnings.map((warning) => `  ! ${warning.message}`));
  }
  return lines.join('\n');
}

/** Runs `show` once, or with `watch` again and again (clearing the screen) until the process is interrupted. */
async function repeat(watch: boolean, show: () => Promise<void>): Promise<void> {
  if (!watch) return show();
  for (;;) {
    if (process.stdout.isTTY) process.stdout.write('\u001b[2J\u001b[H');
    await show();
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
  }
}
