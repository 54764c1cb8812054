import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { CYCLE_STATUSES } from '../../../../src/procurement/read-model.js';
import type {
  CancelledCycleDto,
  CycleDetailDto,
  CycleListDto,
  LaunchedCycleDto,
  PendingTimerDto,
  ServiceLevelMeasurementDto,
  WaitingForDto,
} from '../../../api/src/cycles/cycles.dto.js';
import type { TaskDto } from '../../../api/src/tasks/tasks.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { CliError, createOutput, formatFen, formatTable, formatTime } from '../output.js';
import { collect, fetchProcedure, parseAssignments, readJsonObject } from './cli-values.js';

interface JsonOption {
  readonly json: boolean;
}

interface LaunchOptions extends ApiOptions, JsonOption {
  version?: number;
  input: string[];
  inputsFile?: string;
  title?: string;
  requestId?: string;
}

/** `procureflow cycles …`: launch procurement cycles and follow them. */
export function registerCyclesCommand(program: Command): void {
  const cycles = program.command('cycles').description('launch, list, inspect and cancel procurement cycles');

  withApiOptions(
    cycles
      .command('launch')
      .description('launch a cycle of a deployed procedure in your jurisdiction (needs the administrator role)')
      .argument('<definitionKey>', 'metadata.key of the procedure, e.g. deqing-community-correction')
      .option('--version <n>', 'run this version of the procedure (default: the newest)', parsePositive('--version'))
      .option('--input <name=value>', 'an input of the procedure (money in fen); repeat for several', collect, [])
      .option('--inputs-file <file>', 'a JSON object of inputs; --input values override it')
      .option('--title <text>', 'a title for the cycle (default: the procedure’s)')
      .option('--request-id <id>', 'makes a repeated launch start nothing new'),
  ).action(async (definitionKey: string, options: LaunchOptions) => {
    const api = createApiClient(options);
    const procedure = await fetchProcedure(api, definitionKey, options.version);
    const inputs = {
      ...(options.inputsFile ? await readJsonObject(options.inputsFile, 'inputs') : {}),
      ...parseAssignments(options.input, procedure.definition.inputs, '--input'),
    };
    const { body } = await api.request<LaunchedCycleDto>('POST', '/cycles', {
      definitionKey,
      version: procedure.version,
      inputs,
      ...(options.title ? { title: options.title } : {}),
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    createOutput(options.json).result(body, (launched) =>
      [
        `${launched.created ? 'Launched' : 'Already launched (same request id)'}: ${launched.cycleId}`,
        `  title         ${launched.title.zh}${launched.title.en !== launched.title.zh ? ` / ${launched.title.en}` : ''}`,
        `  procedure     ${launched.definition.key} version ${launched.definition.version}`,
        `  jurisdiction  ${launched.jurisdiction}`,
        `  first step    ${launched.firstStep}`,
        `  inputs        ${Object.entries(launched.inputs).map(([name, value]) => `${name}=${String(value)}`).join(', ') || '-'}`,
        ...launched.incidents.map((incident) => `  ! ${incident}`),
        '',
        `Follow it:  procureflow cycles show ${launched.cycleId}`,
        `Its tasks:  procureflow tasks list --cycle ${launched.cycleId}`,
      ].join('\n'),
    );
  });

  withApiOptions(
    cycles
      .command('list')
      .description('list the cycles of your jurisdiction, newest first')
      .option('--status <status>', `only cycles in this state (${CYCLE_STATUSES.join(', ')})`)
      .option('--definition <key>', 'only cycles of this procedure')
      .option('--step <stepId>', 'only cycles (or their contracts) in this step, e.g. budgeting')
      .option('--service-type <type>', 'only cycles buying this service (communityCorrection, peopleMediation, resettlement)')
      .option('--limit <n>', 'at most this many', parsePositive('--limit')),
  ).action(async (options: ApiOptions & JsonOption & { status?: string; definition?: string; step?: string; serviceType?: string; limit?: number }) => {
    const query = new URLSearchParams();
    if (options.status) query.set('status', options.status);
    if (options.definition) query.set('definitionKey', options.definition);
    if (options.step) query.set('step', options.step);
    if (options.serviceType) query.set('serviceType', options.serviceType);
    if (options.limit) query.set('limit', String(options.limit));
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const { body } = await createApiClient(options).request<CycleListDto>('GET', `/cycles${suffix}`);
    createOutput(options.json).result(body, ({ cycles: rows, total }) =>
      rows.length === 0
        ? 'No cycles match.'
        : [
            formatTable(
              ['CYCLE', 'STATUS', 'STEP', 'OPEN', 'LAUNCHED', 'PROCEDURE', 'SERVICE', 'TITLE'],
              rows.map((c) => [
                c.id,
                c.status,
                c.currentStep ?? (c.contractSteps.length > 0 ? c.contractSteps.join(',') : '-'),
                String(c.openTasks),
                formatTime(c.launchedAt),
                `${c.definition.key} v${c.definition.version}`,
                c.definition.serviceType ?? '-',
                c.title.zh,
              ]),
            ),
            ...(total > rows.length ? ['', `${rows.length} of ${total} shown (--limit)`] : []),
          ].join('\n'),
    );
  });

  withApiOptions(cycles.command('show').description('show a cycle: steps, tasks, decisions, bids, contracts, payments, and what it waits for').argument('<cycleId>')).action(
    async (cycleId: string, options: ApiOptions & JsonOption) => {
      const { body } = await createApiClient(options).request<CycleDetailDto>('GET', `/cycles/${encodeURIComponent(cycleId)}`);
      createOutput(options.json).result(body, renderDetail);
    },
  );

  withApiOptions(
    cycles
      .command('cancel')
      .description('cancel a cycle and its running contracts (needs the administrator role)')
      .argument('<cycleId>')
      .requiredOption('--reason <text>', 'why, kept on the cycle and in the audit trail')
      .option('--request-id <id>', 'repeat a cancellation safely (default: a fresh id)'),
  ).action(async (cycleId: string, options: ApiOptions & JsonOption & { reason: string; requestId?: string }) => {
    const requestId = options.requestId ?? randomUUID();
    const { body } = await createApiClient(options).request<CancelledCycleDto>('POST', `/cycles/${encodeURIComponent(cycleId)}/cancel`, { reason: options.reason, requestId });
    createOutput(options.json).result(body, (result) => `Cancelled ${result.cycleId}: ${result.reason}\n  request id  ${result.requestId}`);
  });
}

function renderDetail(cycle: CycleDetailDto): string {
  const lines: string[] = [
    `${cycle.id}  ${cycle.title.zh}${cycle.title.en !== cycle.title.zh ? ` / ${cycle.title.en}` : ''}`,
    `  status        ${cycle.status}${cycle.endReason ? ` — ${cycle.endReason}` : ''}${cycle.readModel === 'pending' ? ' (just launched: the read model has not caught up)' : ''}`,
    `  step          ${cycle.currentStep ?? '-'}${cycle.contractSteps.length > 0 ? ` (contracts: ${cycle.contractSteps.join(', ')})` : ''}`,
    `  procedure     ${cycle.definition.key} version ${cycle.definition.version} (${cycle.definition.contentHash.slice(0, 12)})`,
    `  service       ${cycle.definition.serviceType ?? '-'}`,
    `  jurisdiction  ${cycle.jurisdiction}`,
    `  launched      ${formatTime(cycle.launchedAt)} by ${cycle.launchedBy}`,
    ...(cycle.endedAt ? [`  ended         ${formatTime(cycle.endedAt)}`] : []),
    `  inputs        ${Object.entries(cycle.inputs).map(([name, value]) => `${name}=${String(value)}`).join(', ') || '-'}`,
  ];
  const lag = cycle.readModelLag;
  if (lag) {
    lines.push(
      '',
      `Read model behind since ${formatTime(lag.since)}: ${lag.activity} of ${lag.workflowId} is on attempt ${lag.attempt}` +
        `${lag.nextAttemptAt ? ` (next ${formatTime(lag.nextAttemptAt)})` : ''}; tasks and steps below may be out of date.`,
      `  last failure: ${lag.lastFailure ?? '-'}`,
    );
  }
  if (cycle.live) {
    lines.push('', 'Waiting for:', ...(cycle.live.waitingFor.length === 0 ? ['  nothing'] : cycle.live.waitingFor.map(renderWait)));
    if (cycle.live.pendingTimers.length > 0) lines.push('', 'Timers:', indent(timerTable(cycle.live.pendingTimers)));
    for (const contract of cycle.live.contracts.filter((c) => c.waitingFor.length > 0)) {
      lines.push('', `Contract ${contract.vendorName} (${contract.stepId ?? contract.status}) waits for:`, ...contract.waitingFor.map(renderWait));
    }
  } else if (cycle.liveUnavailable) {
    lines.push('', `Live state unavailable: ${cycle.liveUnavailable}`);
  }
  if (cycle.steps.length > 0) {
    lines.push(
      '',
      'Steps:',
      indent(
        formatTable(
          ['STEP', 'ENTERED', 'ENDED', 'OUTCOME', 'CONTRACT', 'TITLE'],
          cycle.steps.map((s) => [s.stepId, formatTime(s.enteredAt), formatTime(s.endedAt), s.outcome ?? '-', s.contractId ? shortContract(s.contractId) : '-', s.title?.zh ?? '']),
        ),
      ),
    );
  }
  if (cycle.tasks.open.length > 0) lines.push('', 'Open tasks:', indent(openTaskTable(cycle.tasks.open)));
  if (cycle.tasks.closed.length > 0) {
    lines.push(
      '',
      'Decisions:',
      indent(
        formatTable(
          ['TASK', 'OUTCOME', 'BY', 'AT', 'TITLE / COMMENT'],
          cycle.tasks.closed.map((t) => [
            t.taskInstanceId,
            t.decision?.outcome ?? t.status,
            t.decision ? `${t.decision.decidedBy}${t.decision.decidedByName ? ` ${t.decision.decidedByName}` : ''}` : '-',
            formatTime(t.decision?.decidedAt),
            `${t.title.zh}${asOfCaseEvidence(t)}${t.decision?.comment ? ` — ${t.decision.comment}` : ''}`,
          ]),
        ),
      ),
    );
  }
  if (cycle.bids.length > 0) {
    lines.push(
      '',
      'Bids:',
      indent(
        formatTable(
          ['BID', 'ROUND', 'PRICE', 'WON', 'AWARDED', 'VENDOR'],
          cycle.bids.map((b) => [
            b.bidId,
            String(b.round ?? '-'),
            b.priceFen === null ? '(not disclosed)' : formatFen(b.priceFen),
            b.won ? 'yes' : '-',
            b.awardedAmountFen === null ? '-' : formatFen(b.awardedAmountFen),
            b.vendorName ?? '(not disclosed)',
          ]),
        ),
      ),
    );
  }
  if (cycle.contracts.length > 0) {
    lines.push(
      '',
      'Contracts:',
      indent(
        formatTable(
          ['CONTRACT', 'STATUS', 'STEP', 'AMOUNT', 'VENDOR'],
          cycle.contracts.map((c) => [shortContract(c.id), c.status, c.currentStep ?? '-', formatFen(c.amountFen), c.vendorName]),
        ),
      ),
    );
    const measured = cycle.contracts.flatMap((c) => c.serviceLevels.map((level) => ({ contract: shortContract(c.id), level })));
    if (measured.length > 0) {
      lines.push(
        '',
        'Service levels:',
        indent(
          formatTable(
            ['CONTRACT', 'PERIOD', 'LEVEL', 'VALUE', 'TARGET', 'MET'],
            measured.map(({ contract, level }) => [
              contract,
              String(level.period),
              `${level.serviceLevelId} ${level.title.zh}`,
              String(level.value),
              describeTarget(level.target),
              level.met ? 'yes' : 'NO',
            ]),
          ),
        ),
      );
    }
    // Review periods (`performance.reviews`): each one's KPIs on its own ledger periods, and whether it passed.
    const reviewed = cycle.contracts.flatMap((c) => c.reviews.map((review) => ({ contract: shortContract(c.id), review })));
    if (reviewed.length > 0) {
      lines.push(
        '',
        'Review periods:',
        indent(
          formatTable(
            ['CONTRACT', 'REVIEW', 'PERIOD', 'LEDGER PERIODS', 'KPIS', 'PASSED'],
            reviewed.map(({ contract, review }) => [
              contract,
              `${review.reviewId} ${review.title.zh}`,
              String(review.period),
              review.fromPeriod === review.toPeriod ? String(review.fromPeriod) : `${review.fromPeriod}–${review.toPeriod}`,
              Object.entries(review.kpis).map(([id, value]) => `${id}=${String(value)}`).join(' ') || '-',
              review.passed ? 'yes' : 'NO',
            ]),
          ),
        ),
      );
    }
  }
  if (cycle.payments.length > 0) {
    lines.push(
      '',
      'Payments:',
      indent(
        formatTable(
          ['TRANCHE', 'AMOUNT', 'STATUS', 'INSTRUCTED', 'VENDOR'],
          cycle.payments.map((p) => [p.trancheId, formatFen(p.amountFen), p.status, formatTime(p.instructedAt), p.vendorName]),
        ),
      ),
    );
  }
  if (cycle.notices.length > 0) {
    lines.push('', 'Public notices:', indent(formatTable(['PUBLISHED', 'KIND', 'TITLE'], cycle.notices.map((n) => [formatTime(n.publishedAt), n.kind, n.title.zh]))));
  }
  if (cycle.audit.length > 0) {
    lines.push(
      '',
      'Audit trail:',
      indent(
        formatTable(
          ['AT', 'ACTION', 'ACTOR', 'ROLE', 'COMMENT'],
          cycle.audit.map((a) => [formatTime(a.occurredAt), a.action, a.actorId, a.actorRole, a.comment ?? '']),
        ),
      ),
    );
  }
  return lines.join('\n');
}

export function openTaskTable(tasks: readonly TaskDto[]): string {
  return formatTable(
    ['TASK', 'ROLE', 'DUE', 'TITLE'],
    tasks.map((t) => [t.id, [t.role, ...t.escalatedTo].join('|'), `${formatTime(t.dueAt)}${t.overdue ? ' overdue' : ''}`, `${t.title.zh} ${t.title.en}${asOfCaseEvidence(t)}`]),
  );
}

/** A ledger compiled from case evidence says as of when the evidence was counted, so its confirmer knows what it covers. */
function asOfCaseEvidence(task: Pick<TaskDto, 'caseEvidenceThrough'>): string {
  return task.caseEvidenceThrough ? ` (case evidence as of ${formatTime(task.caseEvidenceThrough)})` : '';
}

function timerTable(timers: readonly PendingTimerDto[]): string {
  return formatTable(['UNTIL', 'PURPOSE', 'WHAT'], timers.map((t) => [formatTime(t.until), t.purpose, t.description]));
}

function renderWait(wait: WaitingForDto): string {
  return `  - ${wait.description}${wait.until ? ` (until ${formatTime(wait.until)})` : ''}`;
}

/** A service level's target as a reader would say it: `= true`, `>= 4`, `2..8`. */
function describeTarget(target: ServiceLevelMeasurementDto['target']): string {
  if (typeof target === 'boolean') return `= ${String(target)}`;
  if (target.min !== undefined && target.max !== undefined) return `${target.min}..${target.max}`;
  if (target.min !== undefined) return `>= ${target.min}`;
  return target.max !== undefined ? `<= ${target.max}` : 'any';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** `<cycleId>/contract/<vendorId>` → `contract/<vendorId>`: the cycle is already on screen. */
function shortContract(contractId: string): string {
  const at = contractId.indexOf('/contract/');
  return at < 0 ? contractId : contractId.slice(at + 1);
}

export function parsePositive(option: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new CliError(`${option} "${text}" must be a whole number from 1`);
    return Number(text);
  };
}
