import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { DecisionResultDto, TaskDto, TaskListDto } from '../../../api/src/tasks/tasks.dto.js';
import { TASK_STATUSES } from '../../../../src/procurement/lifecycle.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { CliError, createOutput, formatTable, formatTime } from '../output.js';
import { collect, fetchProcedure, formOf, parseAssignments, readJsonObject } from './cli-values.js';
import { openTaskTable, parsePositive } from './cycles.command.js';

interface JsonOption {
  readonly json: boolean;
}

interface ListOptions extends ApiOptions, JsonOption {
  status?: string;
  step?: string;
  dueBefore?: string;
  cycle?: string;
  limit?: number;
}

interface DecideOptions extends ApiOptions, JsonOption {
  outcome: string;
  field: string[];
  comment?: string;
  payloadFile?: string;
  requestId?: string;
}

/** `procureflow tasks …`: the approvers' inbox and their decisions. */
export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description('your inbox of tasks, and deciding them');

  withApiOptions(
    tasks
      .command('list')
      .description('list the open tasks of your jurisdiction for a role you hold, soonest due first')
      .option('--step <stepId>', 'only tasks of this step, e.g. budgeting')
      .option('--due-before <date>', 'only tasks due before this date or instant (ISO-8601), e.g. 2026-03-09')
      .option('--cycle <cycleId>', 'only tasks of this cycle')
      .option('--status <status>', `${TASK_STATUSES.map((status) => (status === 'open' ? 'open (default)' : status)).join(', ')} or all`)
      .option('--limit <n>', 'at most this many', parsePositive('--limit')),
  ).action(async (options: ListOptions) => {
    const query = new URLSearchParams();
    if (options.status) query.set('status', options.status);
    if (options.step) query.set('step', options.step);
    if (options.dueBefore) query.set('dueBefore', options.dueBefore);
    if (options.cycle) query.set('cycleId', options.cycle);
    if (options.limit) query.set('limit', String(options.limit));
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const { body } = await createApiClient(options).request<TaskListDto>('GET', `/tasks${suffix}`);
    createOutput(options.json).result(body, ({ tasks: rows }) => {
      if (rows.length === 0) return `No ${options.status && options.status !== 'open' ? '' : 'open '}tasks for you.`;
      if ((options.status ?? 'open') === 'open') return openTaskTable(rows);
      return formatTable(
        ['TASK', 'STATUS', 'OUTCOME', 'BY', 'TITLE'],
        rows.map((t) => [t.id, t.status, t.decision?.outcome ?? '-', t.decision?.decidedBy ?? '-', `${t.title.zh} ${t.title.en}`]),
      );
    });
  });

  withApiOptions(tasks.command('show').description('show one task and its decision').argument('<taskId>', 'the task id as `tasks list` prints it')).action(
    async (taskId: string, options: ApiOptions & JsonOption) => {
      const { body } = await createApiClient(options).request<TaskDto>('GET', `/tasks/${encodeURIComponent(taskId)}`);
      createOutput(options.json).result(body, renderTask);
    },
  );

  withApiOptions(
    tasks
      .command('decide')
      .description('decide a task: submit, approve, return or reject')
      .argument('<taskId>', 'the task id as `tasks list` prints it')
      .requiredOption('--outcome <outcome>', 'submit, approve, return or reject')
      .option('--field <name=value>', 'a field of the task’s form (money in fen); repeat for several', collect, [])
      .option('--comment <text>', 'why; required to return or reject')
      .option('--payload-file <file>', 'a JSON payload for award, evaluation, acceptance and ledger tasks')
      .option('--request-id <id>', 'repeat a decision safely: the same id never takes effect twice (default: a fresh id, printed)'),
  ).action(async (taskId: string, options: DecideOptions) => {
    const api = createApiClient(options);
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body: task } = await api.request<TaskDto>('GET', `/tasks/${encodeURIComponent(taskId)}`);
      const fields = options.field.length > 0 ? parseAssignments(options.field, await formFields(api, task), '--field') : {};
      const payload = options.payloadFile ? await readJsonObject(options.payloadFile, 'payload') : undefined;
      const { body } = await api.request<DecisionResultDto>('POST', `/tasks/${encodeURIComponent(taskId)}/decision`, {
        requestId,
        outcome: options.outcome,
        fields,
        ...(options.comment ? { comment: options.comment } : {}),
        ...(payload ? { payload } : {}),
      });
      createOutput(options.json).result(body, (result) =>
        [
          `Decided ${result.taskId} (${task.title.zh}): ${options.outcome}`,
          `  request id  ${result.requestId} (repeat with --request-id ${result.requestId}: it will not take effect twice)`,
          `  now         ${result.status}${result.stepId ? `, step ${result.stepId}` : ''}`,
          ...(result.openTasks.length > 0
            ? ['', 'Open now:', formatTable(['TASK', 'ROLE', 'DUE', 'TITLE'], result.openTasks.map((t) => [t.id, t.role, formatTime(t.dueAt), `${t.title.zh} ${t.title.en}`]))]
            : []),
        ].join('\n'),
      );
    } catch (error) {
      // Whatever happened, the person can repeat the request safely with the same id.
      if (error instanceof CliError) {
        throw new CliError(`${error.message} (request id ${requestId})`, error.exitCode, error.report, { ...error.data, requestId });
      }
      throw error;
    }
  });
}

/** The form fields the task declares, to type `--field` values; none when the definition cannot be read. */
async function formFields(api: ReturnType<typeof createApiClient>, task: TaskDto) {
  const { definition } = await fetchProcedure(api, task.cycle.definitionKey, task.cycle.definitionVersion);
  return formOf(definition, task.nodeId);
}

/** A computed indicator as `tasks show` prints it: its id, and its score once the evaluation is decided. */
function computedScore(task: TaskDto, indicatorId: string): string {
  const value = task.decision?.fields?.[`scores.${indicatorId}`];
  return value === undefined ? indicatorId : `${indicatorId}=${String(value)}`;
}

function renderTask(task: TaskDto): string {
  return [
    `${task.id}  ${task.title.zh} / ${task.title.en}`,
    `  status      ${task.status}${task.overdue ? ' (overdue)' : ''}`,
    `  role        ${[task.role, ...task.escalatedTo].join(' or ')}${task.escalateTo && task.escalatedTo.length === 0 ? ` (escalates to ${task.escalateTo} when overdue)` : ''}`,
    `  step        ${task.stepId} (${task.kind})`,
    `  cycle       ${task.cycle.id}  ${task.cycle.title.zh}`,
    `  opened      ${formatTime(task.openedAt)}`,
    `  due         ${formatTime(task.dueAt)}`,
    ...(task.overdueAt ? [`  overdue     since ${formatTime(task.overdueAt)} (was due ${formatTime(task.overdueDueAt)})`] : []),
    ...(task.computedIndicators.length > 0 ? [`  computed    ${task.computedIndicators.map((id) => computedScore(task, id)).join(', ')} (from the KPIs; leave them out of scores)`] : []),
    ...(task.decision
      ? [
          `  decision    ${task.decision.outcome} by ${task.decision.decidedBy}${task.decision.decidedByName ? ` (${task.decision.decidedByName})` : ''} at ${formatTime(task.decision.decidedAt)}`,
          ...(task.decision.comment ? [`  comment     ${task.decision.comment}`] : []),
          ...(task.decision.fields && Object.keys(task.decision.fields).length > 0
            ? [`  fields      ${Object.entries(task.decision.fields).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`]
            : []),
        ]
      : []),
  ].join('\n');
}
