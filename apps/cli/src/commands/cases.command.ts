import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { CaseDetailDto, CaseEventAnswerDto, CaseListDto, EnrolledCaseDto } from '../../../api/src/cases/cases.dto.js';
import type { CaseAssignmentDto } from '../../../api/src/staff/staff.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { CliError, createOutput, formatTable, formatTime } from '../output.js';
import { collect, readJsonObject } from './cli-values.js';
import { parsePositive } from './cycles.command.js';

interface JsonOption {
  readonly json: boolean;
}

/**
 * `name=value` pairs of a case event or case attributes. The lifecycle types its fields, and the case
 * checks them: whole numbers and true/false are sent as such, everything else as text.
 */
function parseValues(pairs: readonly string[], option: string): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`${option} ${pair}: write name=value`, 2);
    const [name, text] = [pair.slice(0, at), pair.slice(at + 1)];
    values[name] = /^-?\d+$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text;
  }
  return values;
}

/** Repeats a failed request's id in its message: the same id never takes effect twice. */
function withRequestId(error: unknown, requestId: string): unknown {
  return error instanceof CliError ? new CliError(`${error.message} (request id ${requestId})`, error.exitCode, error.report, { ...error.data, requestId }) : error;
}

/** `procureflow cases …`: supervised persons' cases — enrolment, evidence and events, and their tasks. */
export function registerCasesCommand(program: Command): void {
  const cases = program.command('cases').description('supervised persons’ cases: enrol, record events, show, list, and their tasks');

  withApiOptions(
    cases
      .command('enrol')
      .description('enrol a case under a deployed supervision lifecycle, in your jurisdiction')
      .requiredOption('--lifecycle <key>', 'the lifecycle key, e.g. community-correction-case')
      .option('--version <n>', 'the lifecycle version (default: the newest)', parsePositive('--version'))
      .option('--contract <contractId>', 'the contract under which a vendor serves the case')
      .option('--attribute <name=value>', 'a case attribute; repeat for several', collect, [])
      .option('--request-id <id>', 'repeat an enrolment safely: the same id opens one case (default: a fresh id)'),
  ).action(async (options: ApiOptions & JsonOption & { lifecycle: string; version?: number; contract?: string; attribute: string[]; requestId?: string }) => {
    const requestId = options.requestId ?? randomUUID();
    const { body } = await createApiClient(options).request<EnrolledCaseDto>('POST', '/cases', {
      lifecycleKey: options.lifecycle,
      ...(options.version ? { version: options.version } : {}),
      ...(options.contract ? { contractId: options.contract } : {}),
      attributes: parseValues(options.attribute, '--attribute'),
      requestId,
    });
    createOutput(options.json).result(body, (c) =>
      [`${c.created ? 'Enrolled' : 'Already enrolled'} ${c.caseId}`, `  lifecycle   ${c.lifecycleKey} v${c.lifecycleVersion}`, `  vendor      ${c.vendorId ?? '-'}`].join('\n'),
    );
  });

  withApiOptions(
    cases
      .command('event')
      .description('record a lifecycle event of a case: evidence (a visit, a session) or a step (termination)')
      .argument('<caseId>')
      .argument('<type>', 'the event, e.g. visit.recorded')
      .option('--field <name=value>', 'a field of the event; repeat for several', collect, [])
      .option('--payload-file <file>', 'the event’s fields as a JSON object')
      .option('--at <instant>', 'when it happened (default: now)')
      .option('--request-id <id>', 'repeat a request safely: the same id never takes effect twice (default: a fresh id)'),
  ).action(async (caseId: string, type: string, options: ApiOptions & JsonOption & { field: string[]; payloadFile?: string; at?: string; requestId?: string }) => {
    const requestId = options.requestId ?? randomUUID();
    const payload = { ...(options.payloadFile ? await readJsonObject(options.payloadFile, 'payload') : {}), ...parseValues(options.field, '--field') };
    try {
      const { body } = await createApiClient(options).request<CaseEventAnswerDto>('POST', `/cases/${encodeURIComponent(caseId)}/events`, {
        type,
        payload,
        ...(options.at ? { at: options.at } : {}),
        requestId,
      });
      createOutput(options.json).result(body, (r) => `Recorded ${type} on ${caseId} (#${r.seq}); the case is now in ${r.state}${r.final ? ' (ended)' : ''}`);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(cases.command('show').description('show a case: state, obligations, breaches, tasks and timeline').argument('<caseId>')).action(
    async (caseId: string, options: ApiOptions & JsonOption) => {
      const { body } = await createApiClient(options).request<CaseDetailDto>('GET', `/cases/${encodeURIComponent(caseId)}`);
      createOutput(options.json).result(body, renderCase);
    },
  );

  withApiOptions(
    cases
      .command('list')
      .description('list the cases you may see, newest first')
      .option('--vendor <vendorId>', 'only cases this vendor serves')
      .option('--state <state>', 'only cases in this state')
      .option('--open-breach', 'only cases with a breach whose task is still open')
      .option('--due-before <date>', 'only cases with an obligation period ending before this date')
      .option('--worker <staffId>', 'only cases this social worker or volunteer serves now')
      .option('--limit <n>', 'at most this many', parsePositive('--limit'))
      .option('--offset <n>', 'skip this many', parsePositive('--offset')),
  ).action(async (options: ApiOptions & JsonOption & { vendor?: string; state?: string; openBreach?: boolean; dueBefore?: string; worker?: string; limit?: number; offset?: number }) => {
    const query = new URLSearchParams();
    if (options.vendor) query.set('vendorId', options.vendor);
    if (options.state) query.set('state', options.state);
    if (options.openBreach) query.set('openBreach', 'true');
    if (options.dueBefore) query.set('dueBefore', options.dueBefore);
    if (options.worker) query.set('worker', options.worker);
    if (options.limit) query.set('limit', String(options.limit));
    if (options.offset) query.set('offset', String(options.offset));
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const { body } = await createApiClient(options).request<CaseListDto>('GET', `/cases${suffix}`);
    createOutput(options.json).result(body, ({ cases: rows, total }) =>
      rows.length === 0
        ? 'No cases.'
        : `${formatTable(
            ['CASE', 'STATE', 'VENDOR', 'OPEN BREACHES', 'ENROLLED'],
            rows.map((c) => [c.id, c.state, c.vendorId ?? '-', String(c.openBreaches), formatTime(c.enrolledAt)]),
          )}\n${rows.length} of ${total}`,
    );
  });

  withApiOptions(
    cases
      .command('assign')
      .description('assign a case’s social worker and volunteers from the serving vendor’s staff (checked against the lifecycle’s ratios)')
      .argument('<caseId>')
      .requiredOption('--social-worker <staffId>', 'the social worker who serves the case')
      .option('--volunteer <staffId>', 'a volunteer; repeat for several (the case’s volunteers become exactly these)', collect, [])
      .option('--request-id <id>', 'repeat a request safely (default: a fresh id)'),
  ).action(async (caseId: string, options: ApiOptions & JsonOption & { socialWorker: string; volunteer: string[]; requestId?: string }) => {
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<CaseAssignmentDto>('POST', `/cases/${encodeURIComponent(caseId)}/assignment`, {
        socialWorkerId: options.socialWorker,
        volunteerIds: options.volunteer,
        requestId,
      });
      createOutput(options.json).result(body, renderAssignment);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(
    cases
      .command('tasks')
      .description('list a case’s tasks; with a task id and --comment, close that task')
      .argument('<caseId>')
      .argument('[taskId]', 'the task to close')
      .option('--comment <text>', 'what was done (closing a task)')
      .option('--request-id <id>', 'repeat a request safely (default: a fresh id)'),
  ).action(async (caseId: string, taskId: string | undefined, options: ApiOptions & JsonOption & { comment?: string; requestId?: string }) => {
    const api = createApiClient(options);
    if (taskId === undefined) {
      const { body } = await api.request<CaseDetailDto>('GET', `/cases/${encodeURIComponent(caseId)}`);
      createOutput(options.json).result(body.tasks, (tasks) =>
        tasks.length === 0
          ? 'No tasks.'
          : formatTable(['TASK', 'ROLE', 'STATUS', 'DUE', 'TITLE'], tasks.map((t) => [t.id, t.role, t.status, formatTime(t.dueAt), `${t.title.zh} ${t.title.en}`])),
      );
      return;
    }
    if (!options.comment) throw new CliError('closing a task needs --comment saying what was done', 2);
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await api.request<CaseEventAnswerDto>('POST', `/cases/${encodeURIComponent(caseId)}/tasks/${encodeURIComponent(taskId)}`, { comment: options.comment, requestId });
      createOutput(options.json).result(body, () => `Closed ${taskId} on ${caseId}`);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });
}

function renderAssignment(a: CaseAssignmentDto): string {
  return [
    `${a.caseId}`,
    `  social worker  ${a.socialWorker ? `${a.socialWorker.name} (${a.socialWorker.staffId})` : '-'}`,
    `  volunteers     ${a.volunteers.length > 0 ? a.volunteers.map((v) => `${v.name} (${v.staffId})`).join(', ') : '-'}`,
  ].join('\n');
}

function renderCase(c: CaseDetailDto): string {
  return [
    `${c.id}  ${c.lifecycleKey} v${c.lifecycleVersion}`,
    `  state       ${c.state}${c.final ? ' (ended)' : ''}`,
    `  vendor      ${c.vendorId ?? '-'}${c.contractId ? ` (contract ${c.contractId})` : ''}`,
    `  enrolled    ${formatTime(c.enrolledAt)} by ${c.enrolledBy}`,
    `  social worker ${c.assignment.socialWorker ? `${c.assignment.socialWorker.name} (${c.assignment.socialWorker.staffId})` : '-'}; volunteers ${c.assignment.volunteers.map((v) => v.name).join(', ') || '-'}`,
    ...(c.obligations.length > 0
      ? ['', 'Obligations now:', formatTable(['OBLIGATION', 'DONE', 'REQUIRED', 'MET', 'PERIOD ENDS'], c.obligations.map((o) => [o.id, String(o.total), String(o.required), o.met ? 'yes' : 'no', formatTime(o.periodEndsAt)]))]
      : []),
    ...(c.breaches.length > 0
      ? ['', 'Breaches:', formatTable(['OBLIGATION', 'PERIOD ENDED', 'DONE', 'REQUIRED', 'TASK'], c.breaches.map((b) => [b.obligation, formatTime(b.endedAt), String(b.total), String(b.required), b.taskId ?? '-']))]
      : []),
    ...(c.timeline.length > 0
      ? ['', 'Timeline:', formatTable(['#', 'WHEN', 'EVENT', 'BY', 'STATE'], c.timeline.map((e) => [String(e.seq), formatTime(e.at), e.type, `${e.actorName} (${e.role})`, e.stateAfter]))]
      : []),
  ].join('\n');
}
