import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { BULK_PROCESS_KINDS } from '../../../../api/src/ops/processes/process-filter.js';
import type { BulkExecutionDto, BulkSelectionDto, RepairedProcessDto } from '../../../../api/src/ops/bulk/bulk.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../../api-client.js';
import { CliError, createOutput, formatTable, formatTime, plural } from '../../output.js';

interface RepairOptions extends ApiOptions {
  readonly json: boolean;
  readonly reason: string;
  readonly requestId?: string;
}

interface BulkOptions extends ApiOptions {
  readonly json: boolean;
  readonly reason: string;
  readonly dryRun?: boolean;
  readonly kind?: string;
  readonly jurisdiction?: string;
  readonly definition?: string;
  readonly step?: string;
  readonly status?: string;
  readonly olderThan?: string;
}

/** `procureflow ops cancel | terminate | bulk …`: end processes with a reason, one or a dry-run selection of many. */
export function registerBulkCommands(ops: Command): void {
  for (const action of ['cancel', 'terminate'] as const) {
    withApiOptions(
      ops
        .command(action)
        .description(
          action === 'cancel'
            ? 'cancel a cycle or a case through its workflow, with a reason (needs the ops role)'
            : 'terminate a cycle, contract or case in Temporal, with a reason, when its workflow cannot run any more (needs the ops role)',
        )
        .argument('<workflowId>', 'cycle-<uuid>, a contract’s cycle-<uuid>/contract/<vendorId>, or a case’s case-<caseId>')
        .requiredOption('--reason <text>', 'why; kept on the process and in the audit trail')
        .option('--request-id <id>', 'repeat safely (default: a fresh id)'),
    ).action(async (workflowId: string, options: RepairOptions) => {
      const route = `/ops/processes/${encodeURIComponent(workflowId)}/${action === 'cancel' ? 'cancellation' : 'termination'}`;
      const { body } = await createApiClient(options).request<RepairedProcessDto>('POST', route, { reason: options.reason, requestId: options.requestId ?? randomUUID() });
      createOutput(options.json).result(body, (result) =>
        [
          `${result.outcome === 'done' ? (action === 'cancel' ? 'Cancelled' : 'Terminated') : 'Already ended, nothing changed'}: ${result.workflowId} (${result.kind})`,
          `  status      ${result.status}`,
          `  reason      ${result.reason}`,
          `  request id  ${result.requestId}`,
        ].join('\n'),
      );
    });
  }

  const bulk = ops.command('bulk').description('cancel or terminate many processes by filter: a dry run freezes the exact list, execute acts on it');
  for (const action of ['cancel', 'terminate'] as const) {
    withApiOptions(
      bulk
        .command(action)
        .description(`list exactly the processes a bulk ${action} would touch, under a selection id (needs the ops role)`)
        .option('--kind <kind>', `${BULK_PROCESS_KINDS.join(' or ')} (default cycle)`)
        .option('--jurisdiction <code>', 'only this jurisdiction (national staff: any)')
        .option('--definition <key>', 'only processes of this procedure')
        .option('--step <stepId>', 'only processes in this step now')
        .option('--status <status>', 'only processes in this status (running ones only are ever selected)')
        .option('--older-than <age|instant>', 'only processes started before this: an age such as 30d (from the dry run), or a date or date-time')
        .requiredOption('--reason <text>', 'why these processes are selected')
        .option('--dry-run', 'required: list the processes and freeze the list; nothing is changed'),
    ).action(async (options: BulkOptions) => {
      if (!options.dryRun) {
        throw new CliError(`A bulk ${action} acts only on the list of a dry run: add --dry-run, review the list, then run "procureflow ops bulk execute <selectionId> --reason …".`);
      }
      const filter = {
        ...(options.kind ? { kind: options.kind } : {}),
        ...(options.jurisdiction ? { jurisdiction: options.jurisdiction } : {}),
        ...(options.definition ? { definition: options.definition } : {}),
        ...(options.step ? { step: options.step } : {}),
        ...(options.status ? { status: options.status } : {}),
        ...(options.olderThan ? { olderThan: options.olderThan } : {}),
      };
      const { body } = await createApiClient(options).request<BulkSelectionDto>('POST', '/ops/bulk', { action, filter, reason: options.reason, dryRun: true });
      createOutput(options.json).result(body, (selection) =>
        [
          `Dry run: ${action} would touch ${plural(selection.count, 'process', 'processes')}; nothing has changed.`,
          ...(selection.count > 0 ? ['', formatTable(['WORKFLOW'], selection.workflowIds.map((id) => [id]))] : []),
          '',
          `  selection id  ${selection.selectionId}`,
          `  expires       ${formatTime(selection.expiresAt)}`,
          '',
          `Act on exactly this list:  procureflow ops bulk execute ${selection.selectionId} --reason "…"`,
        ].join('\n'),
      );
    });
  }

  withApiOptions(
    bulk
      .command('execute')
      .description('act on exactly the frozen list of a dry run, once (needs the ops role)')
      .argument('<selectionId>', 'the selection id the dry run printed')
      .requiredOption('--reason <text>', 'why; in each process’s audit entry')
      .option('--request-id <id>', 'repeat safely: the same id answers the first execution’s outcome (default: a fresh id)'),
  ).action(async (selectionId: string, options: RepairOptions) => {
    const { body } = await createApiClient(options).request<BulkExecutionDto>('POST', `/ops/bulk/${encodeURIComponent(selectionId)}/execution`, {
      reason: options.reason,
      requestId: options.requestId ?? randomUUID(),
    });
    createOutput(options.json).result(body, (result) =>
      [
        `${result.action} of selection ${result.selectionId}: ${result.done} done, ${result.alreadyEnded} already ended, ${result.failed} failed (of ${result.count})`,
        '',
        formatTable(
          ['WORKFLOW', 'OUTCOME', 'MESSAGE'],
          result.outcomes.map((outcome) => [outcome.workflowId, outcome.outcome, outcome.message ?? '']),
        ),
        '',
        `  request id  ${result.requestId}`,
      ].join('\n'),
    );
  });
}
