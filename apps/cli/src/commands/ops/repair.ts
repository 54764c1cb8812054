import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { RebuildResultDto, ResetResultDto, RetryResultDto } from '../../../../api/src/ops/repair/repair.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../../api-client.js';
import { CliError, createOutput, formatTable } from '../../output.js';

interface RepairOptions extends ApiOptions {
  readonly json: boolean;
  readonly reason: string;
  readonly requestId?: string;
}

/** Repeats a failed request's id in its message: the same id never retries twice. */
function withRequestId(error: unknown, requestId: string): unknown {
  return error instanceof CliError ? new CliError(`${error.message} (request id ${requestId})`, error.exitCode, error.report, { ...error.data, requestId }) : error;
}

function renderRetry(result: RetryResultDto): string {
  const heading = result.retriedNow ? `Retrying now in ${result.workflowId}:` : `Request ${result.requestId} had already retried in ${result.workflowId}:`;
  return [
    heading,
    formatTable(
      ['ACTIVITY', 'ID', 'ATTEMPT', 'LAST FAILURE'],
      result.activities.map((activity) => [activity.activity, activity.activityId, String(activity.attempt), activity.lastFailure ?? '-']),
    ),
  ].join('\n');
}

function renderRebuild(result: RebuildResultDto): string {
  return [
    `Rebuilt the read model of ${result.workflowId} from its workflow (request ${result.requestId}):`,
    formatTable(['STATUS', 'STEP', 'OPEN TASKS'], [[result.status, result.stepId ?? '-', result.openTasks.join(', ') || '-']]),
  ].join('\n');
}

function renderReset(result: ResetResultDto): string {
  const heading = result.resetNow
    ? `Reset ${result.workflowId} to the start of ${result.step} (request ${result.requestId}):`
    : `Request ${result.requestId} had already reset ${result.workflowId} to the start of ${result.step}:`;
  return [heading, formatTable(['STATUS', 'STEP', 'OPEN TASKS'], [[result.status, result.stepId ?? '-', result.openTasks.join(', ') || '-']])].join('\n');
}

interface ResetOptions extends RepairOptions {
  readonly step: string;
}

/** `procureflow ops retry | rebuild | reset`: repairs of one process, for ops staff, each with a reason. */
export function registerRepairCommands(ops: Command): void {
  withApiOptions(
    ops
      .command('retry')
      .description('run a process’s failing activities again now instead of after their backoff (ops role; audited)')
      .argument('<workflowId>', 'the cycle’s or contract’s workflow id')
      .requiredOption('--reason <text>', 'why, for the audit trail')
      .option('--request-id <id>', 'repeat the request safely: the same id retries once (default: a fresh id)'),
  ).action(async (workflowId: string, options: RepairOptions) => {
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<RetryResultDto>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/retry`, {
        reason: options.reason,
        requestId,
      });
      createOutput(options.json).result(body, renderRetry);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(
    ops
      .command('rebuild')
      .description('rebuild a cycle’s or contract’s read model from what its workflow holds (ops role; audited)')
      .argument('<workflowId>', 'the cycle’s or contract’s workflow id')
      .requiredOption('--reason <text>', 'why, for the audit trail')
      .option('--request-id <id>', 'repeat the request safely: the same id rebuilds once (default: a fresh id)'),
  ).action(async (workflowId: string, options: RepairOptions) => {
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<RebuildResultDto>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/rebuild`, {
        reason: options.reason,
        requestId,
      });
      createOutput(options.json).result(body, renderRebuild);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(
    ops
      .command('reset')
      .description('reset a running cycle to the start of a resettable step; what followed is undone and its read model rebuilt (ops role; audited)')
      .argument('<workflowId>', 'the cycle’s workflow id')
      .requiredOption('--step <stepId>', 'the step to reset to the start of (the definition marks it `resettable: true`)')
      .requiredOption('--reason <text>', 'why, for the audit trail')
      .option('--request-id <id>', 'repeat the request safely: the same id resets once (default: a fresh id)'),
  ).action(async (workflowId: string, options: ResetOptions) => {
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<ResetResultDto>('POST', `/ops/processes/${encodeURIComponent(workflowId)}/reset`, {
        step: options.step,
        reason: options.reason,
        requestId,
      });
      createOutput(options.json).result(body, renderReset);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });
}
