import type { Command } from 'commander';
import type { ProcessInspectionDto, ProcessListDto } from '../../../../api/src/ops/processes/processes.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../../api-client.js';
import { createOutput, formatTable, formatTime } from '../../output.js';
import { renderOrWatch } from '../../watch.js';
import { parsePositive } from '../cycles.command.js';

interface ListOptions extends ApiOptions {
  json: boolean;
  watch: boolean;
  kind?: string;
  jurisdiction?: string;
  definition?: string;
  step?: string;
  status?: string;
  role?: string;
  overdueFor?: string;
  olderThan?: string;
  limit?: number;
  cursor?: string;
}

/** `procureflow ops list` and `procureflow ops inspect <workflowId>`. */
export function registerProcessesCommands(ops: Command): void {
  withApiOptions(
    ops
      .command('list')
      .description('list cycles, contracts and cases, newest first (needs the ops or administrator role)')
      .option('--kind <kind>', 'cycle, contract or case')
      .option('--jurisdiction <code>', 'only this jurisdiction (national users)')
      .option('--definition <key>', 'only this procedure or lifecycle')
      .option('--step <stepId>', 'only processes in this step (a case: state)')
      .option('--status <status>', 'only processes in this status, e.g. running')
      .option('--role <role>', 'only processes with an open task for this role')
      .option('--overdue-for <duration>', 'only processes with an open task past due for at least this clock time, e.g. 2d, 4h (working days: ops overdue --overdue-by)')
      .option('--older-than <age|instant>', 'only processes started before this: an age such as 30d, or a date or date-time')
      .option('--limit <n>', 'at most this many per page', parsePositive('--limit'))
      .option('--cursor <cursor>', 'the next page: the cursor a previous page printed')
      .option('--watch', 're-render every few seconds until Ctrl-C', false),
  ).action(async (options: ListOptions) => {
    const query = new URLSearchParams();
    const filters: Array<[string, string | undefined]> = [
      ['kind', options.kind],
      ['jurisdiction', options.jurisdiction],
      ['definition', options.definition],
      ['step', options.step],
      ['status', options.status],
      ['role', options.role],
      ['overdueFor', options.overdueFor],
      ['olderThan', options.olderThan],
      ['cursor', options.cursor],
      ['limit', options.limit === undefined ? undefined : String(options.limit)],
    ];
    for (const [name, value] of filters) if (value !== undefined) query.set(name, value);
    const path = `/ops/processes${query.size > 0 ? `?${query.toString()}` : ''}`;
    const api = createApiClient(options);
    const render = async (): Promise<void> => {
      const { body } = await api.request<ProcessListDto>('GET', path);
      createOutput(options.json).result(body, renderList);
    };
    await renderOrWatch(options.watch, options.json, render);
  });

  withApiOptions(
    ops
      .command('inspect')
      .description('one process: step, status, timeline of domain events and Temporal history, open tasks, pending activities, Web UI link')
      .argument('<workflowId>', 'a cycle, contract or case workflow id'),
  ).action(async (workflowId: string, options: ApiOptions & { json: boolean }) => {
    const { body } = await createApiClient(options).request<ProcessInspectionDto>('GET', `/ops/processes/${encodeURIComponent(workflowId)}`);
    createOutput(options.json).result(body, renderInspection);
  });
}

function renderList({ processes, nextCursor }: ProcessListDto): string {
  if (processes.length === 0) return 'No processes match.';
  return [
    formatTable(
      ['WORKFLOW', 'KIND', 'JURISDICTION', 'DEFINITION', 'STEP', 'STATUS', 'OPEN', 'NEXT DUE', 'STARTED'],
      processes.map((p) => [p.workflowId, p.kind, p.jurisdiction, `${p.definitionKey} v${p.definitionVersion}`, p.step ?? '-', p.status, String(p.openTasks), formatTime(p.nextDueAt), formatTime(p.startedAt)]),
    ),
    ...(nextCursor ? ['', `Next page: --cursor ${nextCursor}`] : []),
  ].join('\n');
}

function renderInspection(p: ProcessInspectionDto): string {
  return [
    `${p.kind} ${p.workflowId}`,
    `  definition    ${p.definitionKey} v${p.definitionVersion}`,
    `  jurisdiction  ${p.jurisdiction}`,
    `  step          ${p.step ?? '-'}`,
    `  status        ${p.status} (Temporal: ${p.temporalStatus ?? `unknown — ${p.temporalUnavailable ?? 'no answer'}`})`,
    `  started       ${formatTime(p.startedAt)}`,
    `  web UI        ${p.webUiUrl ?? '-'}`,
    '',
    'Open tasks:',
    p.tasks.length === 0 ? '  none' : formatTable(['TASK', 'HOLDERS', 'OPENED', 'DUE', 'TITLE'], p.tasks.map((t) => [t.id, t.holders.join(','), formatTime(t.openedAt), formatTime(t.dueAt), t.title])),
    '',
    'Pending activities:',
    p.pendingActivities.length === 0
      ? '  none'
      : formatTable(['ACTIVITY', 'STATE', 'ATTEMPT', 'LAST FAILURE'], p.pendingActivities.map((a) => [a.activity, a.state, String(a.attempt), a.lastFailure ?? '-'])),
    '',
    'Timeline:',
    formatTable(['WHEN', 'SOURCE', 'WHAT'], p.timeline.map((e) => [e.at.replace('T', ' ').replace('Z', ''), e.source, e.summary])),
  ].join('\n');
}
