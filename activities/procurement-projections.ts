import { ApplicationFailure } from '@temporalio/common';
import type { DataSource, EntityManager } from 'typeorm';
import { isFen } from '../src/money/fen.js';
import { appendAuditEntry } from '../src/persistence/audit-append.js';
import { END_STATUSES } from '../src/procurement/lifecycle.js';
import type { AuditEntryInput } from './audit.js';
import type { StepRecord } from '../workflows/engine/read-model-rebuild.js';
import type { Actor, Bid, EngineCommand, FieldValue, TaskInstance, Winner } from '../workflows/engine/types.js';

/**
 * The procurement read model's writers. Temporal is the source of truth; these activities project what
 * the workflows decided into PostgreSQL, and nothing else writes those tables.
 *
 * Idempotency: every command is applied at most once, keyed by (workflow id, command seq) in
 * projection_log, in the same transaction as its effects. A retried activity, a replayed workflow or a
 * batch sent twice changes nothing. Rows that several commands update remember the seq that last set
 * them, so an older command arriving late never overwrites a newer one.
 *
 * Failures are all retryable: the workflow has already committed to what it asks to project, so
 * dropping a projection would leave the read model disagreeing with the workflow for good. A database
 * that is down, a lock held too long, a value or row PostgreSQL refuses, or input that breaks a rule of
 * the read model (a programming error) all fail the attempt, and Temporal retries it with the backoff
 * of ACTIVITY_PROFILES.projection until it lands — after the fault is repaired or a fixed worker is
 * deployed. Meanwhile the pending activity (attempts, last failure) is what the API reports as the
 * cycle's lagging read model. The failure messages name the rule, table and constraint, never the
 * values, for they may be personal data and they are kept on the Temporal server.
 */
export const PROJECTION_FAILURES = {
  /** No cycle row: `recordCycleLaunched` was not called before the cycle's other projections. */
  unknownCycle: 'UnknownCycle',
  /** No contract row: `recordContractStarted` was not called before the contract's projections. */
  unknownContract: 'UnknownContract',
  /** The input breaks a rule of the read model (ids, amounts, statuses): a programming error to fix. */
  invalidInput: 'InvalidProjectionInput',
  /** PostgreSQL failed the write (a constraint, a value, a trigger, a privilege, a lock, a shutdown). */
  databaseRefused: 'ReadModelRefused',
} as const;

/** The activities that write the procurement read model, by the names Temporal knows them. */
export const PROJECTION_ACTIVITIES = ['recordCycleLaunched', 'applyCommands', 'recordBid', 'recordContractStarted', 'rebuildReadModel'] as const;

/** The audit action of a read-model rebuild; its idempotency key is `<action>:<workflowId>:<requestId>`. */
export const REBUILD_ACTION = 'ops.read-model-rebuilt';
/** The audit action of a reset to the start of a step, recorded by the rebuild that follows it. */
export const RESET_ACTION = 'ops.process-reset';

export interface ProcurementProjectionDependencies {
  readonly dataSource: DataSource;
}

/** Commands of one workflow to project. */
export interface ApplyCommandsInput {
  /** The workflow that emitted the commands: the cycle's id, or the contract's id for a contract workflow. */
  readonly workflowId: string;
  readonly cycleId: string;
  /** Set for a contract workflow; then `workflowId` must equal it. */
  readonly contractId?: string;
  readonly commands: readonly EngineCommand[];
}

export interface ApplyCommandsResult {
  /** Seqs applied by this call, in order. */
  readonly applied: number[];
  /** Seqs skipped because they had been applied before. */
  readonly skipped: number[];
}

export interface RecordCycleLaunchedInput {
  /** The cycle workflow's id. */
  readonly cycleId: string;
  /** The definition version the cycle is pinned to. */
  readonly definition: { readonly key: string; readonly version: number; readonly contentHash: string };
  readonly jurisdiction: string;
  readonly title: { readonly zh: string; readonly en: string };
  readonly inputs: Readonly<Record<string, FieldValue>>;
  readonly launchedBy: Actor;
  /** ISO instant, workflow time. */
  readonly launchedAt: string;
  readonly comment?: string;
}

export interface RecordBidInput {
  readonly cycleId: string;
  /** The bidding round the bid arrived in. */
  readonly round?: number;
  readonly bid: Bid;
  /** The request that handed the bid in, for the audit trail. */
  readonly requestId?: string;
}

export interface RecordContractStartedInput {
  /** The contract (child) workflow's id. */
  readonly contractId: string;
  readonly cycleId: string;
  readonly winner: Winner;
  /** ISO instant, workflow time. */
  readonly startedAt: string;
}

/**
 * A workflow's state as a read-model rebuild needs it, taken when the workflow accepted the rebuild:
 * commands numbered below `seq` are in it, commands from `seq` on come after it.
 */
export interface RebuildReadModelInput {
  readonly workflowId: string;
  readonly cycleId: string;
  readonly contractId?: string;
  /** The seq of the workflow's next command. */
  readonly seq: number;
  /** ISO instant, workflow time. */
  readonly at: string;
  /** The cycle's or contract's status as the read model words it (`awarded` for a cycle whose contracts run). */
  readonly status: string;
  readonly stepId: string | null;
  readonly biddingOpen: boolean;
  readonly endReason: string | null;
  /** Every task the workflow has opened, as it holds them now. */
  readonly tasks: readonly TaskInstance[];
  /** Every step opening from command `knownFrom` on (a run continued as new knows only its own). */
  readonly steps: { readonly knownFrom: number; readonly records: readonly StepRecord[] };
  readonly actor: Actor;
  readonly reason: string;
  readonly requestId: string;
  /** Set when the rebuild follows a reset of the workflow to the start of `step` (the run `fromRunId` was reset). */
  readonly reset?: { readonly step: string; readonly fromRunId: string; readonly seqFloor: number };
}

/** What a rebuild rewrote: rows written from the state, and rows removed because the state has no such thing. */
export interface RebuildReadModelResult {
  readonly rebuilt: boolean;
  readonly tasks: number;
  readonly tasksRemoved: number;
  readonly steps: number;
  readonly stepsRemoved: number;
}

/** Who the audit trail names for what a workflow did by itself (a payment, a suspension). */
const SYSTEM_ROLE = 'system';

const TERMINAL_STATUSES = new Set<string>(END_STATUSES);
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Past tense of a decision outcome, for audit actions (`task.approved`). */
const OUTCOME_ACTIONS: Record<string, string> = { submit: 'submitted', approve: 'approved', return: 'returned', reject: 'rejected' };

/** The audit action of each task repair by ops staff. */
const REPAIR_ACTIONS = { extend: 'task.deadlineExtended', reassign: 'task.reassigned', escalate: 'task.escalatedByOps' } as const;

export function createProcurementProjectionActivities({ dataSource }: ProcurementProjectionDependencies) {
  const inTransaction = <T>(work: (sql: Sql) => Promise<T>): Promise<T> =>
    translateDatabaseErrors(() => dataSource.transaction((manager) => work(sqlOf(manager))));

  return {
    /**
     * Projects one batch of interpreter commands of one workflow, in one transaction: commands already
     * in projection_log are skipped, the others applied in seq order and logged. Call it with every
     * command of each interpreter decision (commands without a projection, such as timers, are logged
     * and otherwise ignored), awaiting each call before the next.
     */
    async applyCommands(input: ApplyCommandsInput): Promise<ApplyCommandsResult> {
      const target = checkTarget(input);
      const commands = [...input.commands].sort((a, b) => a.seq - b.seq);
      commands.forEach(checkCommand);
      return inTransaction(async (sql) => {
        const scope = await loadScope(sql, target);
        const applied: number[] = [];
        const skipped: number[] = [];
        for (const command of commands) {
          const fresh = await sql.rows(
            `INSERT INTO projection_log (workflow_id, seq, command_type) VALUES ($1, $2, $3)
             ON CONFLICT (workflow_id, seq) DO NOTHING RETURNING seq`,
            [scope.workflowId, command.seq, command.type],
          );
          if (fresh.length === 0) {
            skipped.push(command.seq);
            continue;
          }
          await project(sql, scope, command);
          applied.push(command.seq);
        }
        return { applied, skipped };
      });
    },

    /**
     * Records a cycle the moment its workflow starts (before any `applyCommands` for it), with an audit
     * entry `cycle.launched` for whoever launched it. A second call for the same cycle changes nothing.
     */
    async recordCycleLaunched(input: RecordCycleLaunchedInput): Promise<{ recorded: boolean }> {
      checkCycleLaunched(input);
      return inTransaction(async (sql) => {
        const inserted = await sql.rows(
          `INSERT INTO cycles (id, definition_key, definition_version, definition_hash, jurisdiction, title, inputs, launched_by, launched_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [
            input.cycleId,
            input.definition.key,
            input.definition.version,
            input.definition.contentHash,
            input.jurisdiction,
            JSON.stringify({ zh: input.title.zh, en: input.title.en }),
            JSON.stringify(input.inputs),
            input.launchedBy.userId,
            new Date(input.launchedAt),
          ],
        );
        await appendAuditEntry(sql, {
          idempotencyKey: `${input.cycleId}:launched`,
          occurredAt: input.launchedAt,
          actorId: input.launchedBy.userId,
          actorRole: roleAmong(input.launchedBy, ['administrator']),
          jurisdiction: input.jurisdiction,
          action: 'cycle.launched',
          subjectType: 'cycle',
          subjectId: input.cycleId,
          comment: input.comment ?? null,
          details: {
            definitionKey: input.definition.key,
            definitionVersion: input.definition.version,
            contentHash: input.definition.contentHash,
            inputs: input.inputs,
            actorName: input.launchedBy.name,
            actorJurisdiction: input.launchedBy.jurisdiction,
          },
        });
        return { recorded: inserted.length > 0 };
      });
    },

    /**
     * Rewrites, in one transaction, the rows of one workflow's read model that are a function of its state:
     * every task row of the workflow (written from the state; a row the state has no task for is removed),
     * its `cycle_steps` rows from `steps.knownFrom` on, and the cycle's or contract's status, current step and
     * (a cycle's) bidding flag; and appends the `ops.read-model-rebuilt` audit entry. It never deletes audit
     * entries, payments, notices, bids, challenges or any other append-only record. What a state does not
     * hold is kept from the row or, for a row that is gone, taken from the audit trail: a decision's comment,
     * fields and decider's name, and a task's overdue mark. Rows are marked as of `seq - 1`, so the commands
     * the workflow emits later overwrite them as usual. Once per request id: a retried attempt finds the
     * audit entry and rewrites nothing.
     */
    async rebuildReadModel(input: RebuildReadModelInput): Promise<RebuildReadModelResult> {
      const target = checkTarget(input);
      checkRebuild(input, target);
      const asOf = input.seq - 1;
      return inTransaction(async (sql) => {
        const scope = await loadScope(sql, target);
        const action = input.reset ? RESET_ACTION : REBUILD_ACTION;
        const idempotencyKey = `${action}:${scope.workflowId}:${input.requestId}`;
        if ((await sql.rows(`SELECT 1 FROM audit_entries WHERE idempotency_key = $1`, [idempotencyKey])).length > 0) {
          return { rebuilt: false, tasks: 0, tasksRemoved: 0, steps: 0, stepsRemoved: 0 };
        }
        // The owner's row first, locked: its projections wait for the rebuild rather than interleave with it.
        await sql.rows(`SELECT id FROM ${ownerTable(scope)} WHERE id = $1 FOR UPDATE`, [ownerId(scope)]);

        const present = new Set((await sql.rows<{ id: string }>(`SELECT id FROM tasks WHERE workflow_id = $1`, [scope.workflowId])).map((row) => row.id));
        for (const task of input.tasks) {
          const rowId = taskRowId(scope, task);
          const recovered = present.has(rowId) || task.status === 'open' ? {} : await recoveredTaskExtras(sql, rowId);
          await upsertTask(sql, scope, asOf, task, recovered, true);
          if (!present.has(rowId)) await restoreOverdueMark(sql, rowId);
        }
        const rowIds = input.tasks.map((task) => taskRowId(scope, task));
        const tasksRemoved = await sql.count(`DELETE FROM tasks WHERE workflow_id = $1 AND NOT (id = ANY($2::text[]))`, [scope.workflowId, rowIds]);

        const { knownFrom, records } = input.steps;
        const stepsRemoved = await sql.count(`DELETE FROM cycle_steps WHERE workflow_id = $1 AND entered_seq >= $2`, [scope.workflowId, knownFrom]);
        for (const step of records.filter((record) => record.enteredSeq >= knownFrom)) {
          await sql.rows(
            `INSERT INTO cycle_steps (workflow_id, cycle_id, contract_id, step_id, kind, entered_seq, entered_at, ended_seq, ended_at, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [
              scope.workflowId,
              scope.cycleId,
              scope.contractId,
              step.stepId,
              step.kind,
              step.enteredSeq,
              new Date(step.enteredAt),
              step.ended?.seq ?? null,
              step.ended ? new Date(step.ended.at) : null,
              step.ended?.outcome ?? null,
            ],
          );
        }

        const ended = TERMINAL_STATUSES.has(input.status);
        const endColumns = `ended_at = CASE WHEN $5 THEN COALESCE(ended_at, $6) ELSE NULL END, end_reason = CASE WHEN $5 THEN $7 ELSE NULL END`;
        const endValues = [ended, new Date(input.at), ended ? input.endReason : null];
        if (scope.contractId) {
          await sql.count(`UPDATE contracts SET status = $2, current_step = $3, current_step_seq = $4, ${endColumns} WHERE id = $1`, [scope.contractId, input.status, input.stepId, asOf, ...endValues]);
        } else {
          await sql.count(`UPDATE cycles SET status = $2, current_step = $3, current_step_seq = $4, ${endColumns}, bidding_open = $8 WHERE id = $1`, [
            scope.cycleId,
            input.status,
            input.stepId,
            asOf,
            ...endValues,
            input.biddingOpen && !ended,
          ]);
        }

        const counts = { tasks: input.tasks.length, tasksRemoved, steps: records.length, stepsRemoved };
        await appendAuditEntry(sql, {
          idempotencyKey,
          occurredAt: input.at,
          actorId: input.actor.userId,
          actorRole: roleAmong(input.actor, ['ops']),
          jurisdiction: scope.jurisdiction,
          action,
          subjectType: 'workflow',
          subjectId: scope.workflowId,
          comment: input.reason,
          details: {
            cycleId: scope.cycleId,
            contractId: scope.contractId,
            workflowId: scope.workflowId,
            asOfSeq: asOf,
            stepsKnownFrom: knownFrom,
            status: input.status,
            stepId: input.stepId,
            openTasks: input.tasks.filter((task) => task.status === 'open').map((task) => task.id).sort(),
            ...counts,
            actorName: input.actor.name,
            actorJurisdiction: input.actor.jurisdiction,
            requestId: input.requestId,
            ...(input.reset ? { reset: { step: input.reset.step, fromRunId: input.reset.fromRunId, seqFloor: input.reset.seqFloor } } : {}),
          },
        });
        return { rebuilt: true, ...counts };
      });
    },

    /** Records a bid the cycle accepted. Idempotent by (cycle, bid id): the first record stands. */
    async recordBid(input: RecordBidInput): Promise<{ recorded: boolean }> {
      const { bid } = input;
      if (!isFen(bid.priceFen)) invalid(`bid ${bid.bidId}: priceFen ${String(bid.priceFen)} is not a whole number of fen from 0 to ${Number.MAX_SAFE_INTEGER}`);
      if (input.round !== undefined && !(Number.isInteger(input.round) && input.round >= 1)) invalid(`bid ${bid.bidId}: round ${input.round} is not a whole number from 1`);
      return inTransaction(async (sql) => {
        const { jurisdiction } = await requireCycle(sql, input.cycleId);
        const inserted = await sql.rows(
          `INSERT INTO bids (cycle_id, bid_id, round, vendor_id, vendor_name, price_fen, qualified, submitted_at, ineligible_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (cycle_id, bid_id) DO NOTHING RETURNING bid_id`,
          [input.cycleId, bid.bidId, input.round ?? null, bid.vendorId, bid.vendorName, bid.priceFen, bid.qualified, new Date(bid.submittedAt), bid.ineligible ?? null],
        );
        // The bid and its audit entry land together; a bid entered for a vendor by someone else says so.
        const enteredBy = bid.enteredBy;
        if (enteredBy) {
          await appendAuditEntry(sql, {
            idempotencyKey: `bid.submitted:${input.cycleId}:${bid.bidId}`,
            occurredAt: bid.submittedAt,
            actorId: enteredBy.userId,
            actorRole: enteredBy.role,
            jurisdiction,
            action: enteredBy.onBehalf ? 'bid.enteredOnBehalf' : 'bid.submitted',
            subjectType: 'bid',
            subjectId: `${input.cycleId}/${bid.bidId}`,
            comment: null,
            details: {
              cycleId: input.cycleId,
              bidId: bid.bidId,
              round: input.round ?? null,
              vendorId: bid.vendorId,
              vendorName: bid.vendorName,
              priceFen: bid.priceFen,
              actorName: enteredBy.name,
              onBehalf: enteredBy.onBehalf,
              ...(input.requestId ? { requestId: input.requestId } : {}),
            },
          });
        }
        return { recorded: inserted.length > 0 };
      });
    },

    /**
     * Records an awarded vendor's contract when its workflow starts (before any `applyCommands` with its
     * contractId). Idempotent by contract id: the first record stands.
     */
    async recordContractStarted(input: RecordContractStartedInput): Promise<{ recorded: boolean }> {
      const { winner } = input;
      if (!input.contractId) invalid('contractId is empty');
      if (!isFen(winner.amountFen)) invalid(`contract ${input.contractId}: amountFen ${String(winner.amountFen)} is not a whole number of fen from 0 to ${Number.MAX_SAFE_INTEGER}`);
      return inTransaction(async (sql) => {
        await requireCycle(sql, input.cycleId);
        const inserted = await sql.rows(
          `INSERT INTO contracts (id, cycle_id, bid_id, vendor_id, vendor_name, amount_fen, started_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [input.contractId, input.cycleId, winner.bidId, winner.vendorId, winner.vendorName, winner.amountFen, new Date(input.startedAt)],
        );
        if (inserted.length === 0) {
          const [existing] = await sql.rows<{ cycle_id: string }>(`SELECT cycle_id FROM contracts WHERE id = $1`, [input.contractId]);
          if (existing && existing.cycle_id !== input.cycleId) {
            invalid(`contract ${input.contractId} belongs to cycle ${existing.cycle_id}, not ${input.cycleId}`);
          }
        }
        return { recorded: inserted.length > 0 };
      });
    },
  };
}

// ---- applying commands ----------------------------------------------------------------------------

/** What every command of a batch is projected into. */
interface Scope {
  readonly workflowId: string;
  readonly cycleId: string;
  readonly contractId: string | null;
  /** The cycle's jurisdiction, for audit entries. */
  readonly jurisdiction: string;
}

async function project(sql: Sql, scope: Scope, command: EngineCommand): Promise<void> {
  switch (command.type) {
    case 'stepEntered':
      await sql.rows(
        `INSERT INTO cycle_steps (workflow_id, cycle_id, contract_id, step_id, kind, entered_seq, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workflow_id, entered_seq) DO NOTHING`,
        [scope.workflowId, scope.cycleId, scope.contractId, command.stepId, command.stepKind, command.seq, new Date(command.at)],
      );
      await sql.count(
        `UPDATE ${ownerTable(scope)} SET current_step = $2, current_step_seq = $3 WHERE id = $1 AND current_step_seq < $3`,
        [ownerId(scope), command.stepId, command.seq],
      );
      return;

    case 'stepEnded':
      // The newest opening of the step before this command: a step entered again is a new row.
      await sql.count(
        `UPDATE cycle_steps SET ended_seq = $3, ended_at = $4, outcome = $5
         WHERE id = (SELECT id FROM cycle_steps WHERE workflow_id = $1 AND step_id = $2 AND ended_at IS NULL AND entered_seq < $3
                     ORDER BY entered_seq DESC LIMIT 1)`,
        [scope.workflowId, command.stepId, command.seq, new Date(command.at), command.outcome],
      );
      await sql.count(
        `UPDATE ${ownerTable(scope)} SET current_step = NULL, current_step_seq = $3
         WHERE id = $1 AND current_step = $2 AND current_step_seq < $3`,
        [ownerId(scope), command.stepId, command.seq],
      );
      return;

    case 'taskOpened':
      await upsertTask(sql, scope, command.seq, command.task, {});
      return;

    case 'taskClosed': {
      const requestId = requestIdOf(command);
      await upsertTask(sql, scope, command.seq, command.task, {
        comment: command.comment ?? null,
        fields: command.fields ?? null,
        decidedByName: command.actor?.name ?? null,
      });
      const { task, actor } = command;
      if (actor && task.outcome) {
        const outcome = task.outcome;
        await appendAuditEntry(sql, {
          idempotencyKey: `${scope.workflowId}:${command.seq}`,
          occurredAt: task.decidedAt ?? new Date().toISOString(),
          actorId: actor.userId,
          actorRole: roleAmong(actor, [task.role, ...task.escalatedTo, ...(task.escalateTo ? [task.escalateTo] : [])]),
          jurisdiction: scope.jurisdiction,
          action: `task.${OUTCOME_ACTIONS[outcome] ?? outcome}`,
          subjectType: 'task',
          subjectId: taskRowId(scope, task),
          comment: command.comment ?? null,
          details: {
            cycleId: scope.cycleId,
            contractId: scope.contractId,
            workflowId: scope.workflowId,
            seq: command.seq,
            taskInstanceId: task.id,
            stepId: task.stepId,
            nodeId: task.nodeId,
            kind: task.kind,
            outcome,
            actorName: actor.name,
            actorJurisdiction: actor.jurisdiction,
            ...(requestId ? { requestId } : {}),
            ...(command.fields ? { fields: command.fields } : {}),
          },
        });
      }
      return;
    }

    case 'publishNotice':
      await sql.rows(
        `INSERT INTO public_notices (workflow_id, seq, cycle_id, contract_id, notice_id, kind, title, lines, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workflow_id, seq) DO NOTHING`,
        [
          scope.workflowId,
          command.seq,
          scope.cycleId,
          scope.contractId,
          command.noticeId,
          command.kind,
          JSON.stringify(command.title),
          JSON.stringify(command.lines),
          new Date(command.at),
        ],
      );
      return;

    case 'biddingOpened':
      await sql.count(
        `UPDATE cycles SET bidding_open = true, bidding_round = $2, selection_method = $3, bidding_until = $4 WHERE id = $1`,
        [scope.cycleId, command.round, command.method, new Date(command.until)],
      );
      return;

    case 'biddingClosed':
      await sql.count(
        `UPDATE cycles SET bidding_open = false, bids_received = $2, bids_qualified = $3, bidding_enough = $4 WHERE id = $1`,
        [scope.cycleId, command.received, command.qualified, command.enough],
      );
      return;

    case 'startContracts':
      for (const winner of command.winners) {
        await sql.count(`UPDATE bids SET won = true, awarded_amount_fen = $3, score = $4 WHERE cycle_id = $1 AND bid_id = $2`, [
          scope.cycleId,
          winner.bidId,
          winner.amountFen,
          winner.score,
        ]);
      }
      await sql.count(`UPDATE cycles SET status = 'awarded', awarded_at = $2 WHERE id = $1 AND status = 'running'`, [scope.cycleId, new Date(command.at)]);
      return;

    case 'instructPayment':
      await instructPayment(sql, scope, command);
      return;

    case 'suspendVendor': {
      if (!UUID_PATTERN.test(command.vendorId)) return; // not a registry vendor: nothing to suspend
      const suspended = await sql.rows(
        `UPDATE vendors SET suspended = true, suspension_reason = $2, suspended_by = $3, suspended_at = $4, reinstatement_role = $5
         WHERE id = $1 AND NOT suspended RETURNING id`,
        [command.vendorId, command.reason, systemActorId(scope), new Date(command.at), command.reinstatedBy ?? null],
      );
      // A vendor already suspended (by hand, or by another contract's exit) stays suspended, but this exit
      // still names who may reinstate it when nobody is named yet: otherwise the officers who may suspend by
      // hand could lift a suspension the definition reserves to its reinstating role. Either way the exit
      // is in the audit trail (keyed by workflow and seq, so a retried projection adds nothing).
      if (suspended.length === 0 && command.reinstatedBy) {
        await sql.count(`UPDATE vendors SET reinstatement_role = $2 WHERE id = $1 AND suspended AND reinstatement_role IS NULL`, [command.vendorId, command.reinstatedBy]);
      }
      const known = suspended.length > 0 || (await sql.rows(`SELECT id FROM vendors WHERE id = $1`, [command.vendorId])).length > 0;
      if (known) {
        await appendAuditEntry(
          sql,
          systemAuditEntry(scope, command, {
            action: suspended.length > 0 ? 'vendor.suspended' : 'vendor.exitWhileSuspended',
            subjectType: 'vendor',
            subjectId: command.vendorId,
            comment: command.reason,
            ...(command.reinstatedBy ? { details: { reinstatedBy: command.reinstatedBy } } : {}),
          }),
        );
      }
      return;
    }

    case 'recordEvaluation': {
      // The vendor's performance history: one row per (workflow, seq), so a retried projection adds nothing.
      const { evaluation } = command;
      const cycle = await sql.rows<{ definition_key: string; definition_version: number }>(`SELECT definition_key, definition_version FROM cycles WHERE id = $1`, [scope.cycleId]);
      const definition = cycle[0];
      if (!definition) throw new Error(`cycle ${scope.cycleId} is not in the read model yet`);
      await sql.count(
        `INSERT INTO vendor_performance_history (workflow_id, seq, vendor_id, vendor_name, cycle_id, contract_id, definition_key, definition_version, jurisdiction,
           score, passed, groups, grade_min, grade_label, period, evaluator_id, evaluator_name, evaluator_role, exited, evaluated_at, period_through)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
         ON CONFLICT (workflow_id, seq) DO NOTHING`,
        [
          scope.workflowId,
          command.seq,
          evaluation.vendorId,
          evaluation.vendorName,
          scope.cycleId,
          scope.contractId ?? scope.workflowId,
          definition.definition_key,
          definition.definition_version,
          scope.jurisdiction,
          evaluation.score,
          evaluation.passed,
          JSON.stringify(evaluation.groups),
          evaluation.grade?.min ?? null,
          evaluation.grade ? JSON.stringify(evaluation.grade.label) : null,
          evaluation.period,
          evaluation.evaluator.userId,
          evaluation.evaluator.name,
          evaluation.evaluator.role,
          evaluation.exited,
          new Date(command.at),
          evaluation.periodThrough ?? null,
        ],
      );
      return;
    }

    case 'withholdTranche':
      // The exit mechanism withheld a tranche: nothing is paid, and the contract's audit trail says what and why.
      await appendAuditEntry(
        sql,
        systemAuditEntry(scope, command, {
          action: 'payment.withheld',
          ...ownerSubject(scope),
          comment: command.reason,
          details: { trancheId: command.trancheId, amountFen: command.amountFen, vendorId: command.vendorId },
        }),
      );
      return;

    case 'capTranche':
      // A tranche was more than its fund had left of its share of the contract: it is paid the rest of the
      // share (its instructPayment follows), and the contract's audit trail says what it would have been.
      await appendAuditEntry(
        sql,
        systemAuditEntry(scope, command, {
          action: 'payment.capped',
          ...ownerSubject(scope),
          comment: `tranche "${command.trancheId}" of ${command.amountFen} fen capped at ${command.paidFen} fen: fund "${command.fund}" has ${command.fundShareFen} fen of the contract`,
          details: { trancheId: command.trancheId, fund: command.fund, amountFen: command.amountFen, paidFen: command.paidFen, fundShareFen: command.fundShareFen, vendorId: command.vendorId },
        }),
      );
      return;

    case 'incident':
      // Something ops staff must fix (a missing business calendar…): it stands in the cycle's audit trail.
      await appendAuditEntry(sql, systemAuditEntry(scope, command, { action: 'cycle.incident', ...ownerSubject(scope), comment: command.message }));
      return;

    case 'taskOverdue':
      // A deadline passed undecided: one counted from an event (filing within 7 working days of signing,
      // `dueAfter` names the event) or an SLA counted from the task's opening (no `dueAfter`). The task's
      // row says so from now on (the first time stands: a task is overdue once), and the audit trail too.
      await sql.count(`UPDATE tasks SET overdue_at = $2, overdue_due_at = $3 WHERE id = $1 AND overdue_at IS NULL`, [
        taskRowId(scope, command.task),
        new Date(command.at),
        new Date(command.dueAt),
      ]);
      await appendAuditEntry(
        sql,
        systemAuditEntry(scope, command, {
          action: 'task.overdue',
          subjectType: 'task',
          subjectId: taskRowId(scope, command.task),
          comment: `${command.task.title.zh} ${command.task.title.en}: due ${command.dueAt}${command.task.escalateTo ? `, escalated to ${command.task.escalateTo}` : ''}`,
          details: {
            taskInstanceId: command.task.id,
            stepId: command.task.stepId,
            nodeId: command.task.nodeId,
            dueAt: command.dueAt,
            dueAfter: command.dueAfter,
            escalatedTo: [...command.task.escalatedTo],
          },
        }),
      );
      await auditReminderAndEscalation(sql, scope, command);
      return;

    case 'taskRepaired': {
      // Ops staff repaired an open task (its new row came with the taskOpened before this command). An
      // extension undoes the miss: the task is late again only once its new due time has passed.
      const { task, actor, repair, before } = command;
      if (repair.kind === 'extend') await sql.count(`UPDATE tasks SET overdue_at = NULL, overdue_due_at = NULL WHERE id = $1`, [taskRowId(scope, task)]);
      await appendAuditEntry(sql, {
        idempotencyKey: `${scope.workflowId}:${command.seq}`,
        occurredAt: command.at,
        actorId: actor.userId,
        actorRole: roleAmong(actor, ['ops']),
        jurisdiction: scope.jurisdiction,
        action: REPAIR_ACTIONS[repair.kind],
        subjectType: 'task',
        subjectId: taskRowId(scope, task),
        comment: command.reason,
        details: {
          cycleId: scope.cycleId,
          contractId: scope.contractId,
          workflowId: scope.workflowId,
          seq: command.seq,
          taskInstanceId: task.id,
          stepId: task.stepId,
          before: { role: before.role, escalatedTo: [...before.escalatedTo], dueAt: before.dueAt ?? null },
          after: { role: task.role, escalatedTo: [...task.escalatedTo], dueAt: task.dueAt ?? null },
          ...(command.requestId ? { requestId: command.requestId } : {}),
        },
      });
      return;
    }

    case 'periodReviewed': {
      // A review group's period closed (`performance.reviews`): one row per (workflow, seq), so a retried projection adds nothing.
      const contractId = contractScoped(scope, command, 'review periods are reviewed under a contract');
      const { review } = command;
      await sql.count(
        `INSERT INTO period_reviews (workflow_id, seq, contract_id, cycle_id, review_id, title, period, from_period, to_period, kpis, passed, reviewed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (workflow_id, seq) DO NOTHING`,
        [
          scope.workflowId,
          command.seq,
          contractId,
          scope.cycleId,
          review.reviewId,
          JSON.stringify({ zh: review.title.zh, en: review.title.en }),
          review.period,
          review.fromPeriod,
          review.toPeriod,
          JSON.stringify(review.kpis),
          review.passed,
          new Date(command.at),
        ],
      );
      return;
    }

    case 'serviceLevelMeasured': {
      // A KPI of the contract measured on a confirmed ledger period. Keyed by (contract, level, period):
      // the projection log already makes a retried batch change nothing, and the key makes sure of it.
      const contractId = contractScoped(scope, command, 'service levels are measured under a contract');
      const { measurement } = command;
      await sql.rows(
        `INSERT INTO service_level_measurements (contract_id, service_level_id, period, cycle_id, title, kpi_id, value, target, met, measured_at, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (contract_id, service_level_id, period) DO NOTHING`,
        [
          contractId,
          measurement.serviceLevelId,
          measurement.period,
          scope.cycleId,
          JSON.stringify({ zh: measurement.title.zh, en: measurement.title.en }),
          measurement.kpiId,
          JSON.stringify(measurement.value),
          JSON.stringify(measurement.target),
          measurement.met,
          new Date(command.at),
          command.seq,
        ],
      );
      return;
    }

    case 'cancelled':
      await appendAuditEntry(sql, {
        idempotencyKey: `${scope.workflowId}:${command.seq}`,
        occurredAt: command.at,
        actorId: command.actor.userId,
        actorRole: roleAmong(command.actor, ['administrator']),
        jurisdiction: scope.jurisdiction,
        action: scope.contractId ? 'contract.cancelled' : 'cycle.cancelled',
        subjectType: scope.contractId ? 'contract' : 'cycle',
        subjectId: scope.contractId ?? scope.cycleId,
        comment: command.reason,
        details: {
          cycleId: scope.cycleId,
          contractId: scope.contractId,
          workflowId: scope.workflowId,
          seq: command.seq,
          actorName: command.actor.name,
          actorJurisdiction: command.actor.jurisdiction,
          ...(command.requestId ? { requestId: command.requestId } : {}),
        },
      });
      return;

    case 'ended':
      if (scope.contractId) {
        await sql.count(`UPDATE contracts SET status = $2, ended_at = $3, end_reason = $4 WHERE id = $1 AND status = 'running'`, [
          scope.contractId,
          command.status,
          new Date(command.at),
          command.reason ?? null,
        ]);
      } else {
        await sql.count(
          `UPDATE cycles SET status = $2, ended_at = $3, end_reason = $4, bidding_open = false
           WHERE id = $1 AND status IN ('running', 'awarded')`,
          [scope.cycleId, command.status, new Date(command.at), command.reason ?? null],
        );
      }
      return;

    case 'challengeRecorded': {
      const { challenge } = command;
      await sql.rows(
        `INSERT INTO challenges (cycle_id, challenge_id, vendor_id, vendor_name, filed_by, filed_by_name, filed_at, grounds, affects_result,
                                 task_id, answer_due_at, status, answered_at, answered_by, reasons, last_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (cycle_id, challenge_id) DO UPDATE SET
           status = EXCLUDED.status, answered_at = EXCLUDED.answered_at, answered_by = EXCLUDED.answered_by, reasons = EXCLUDED.reasons,
           last_seq = EXCLUDED.last_seq
         WHERE challenges.last_seq < EXCLUDED.last_seq`,
        [
          scope.cycleId,
          challenge.challengeId,
          challenge.vendorId,
          challenge.vendorName,
          challenge.filedBy.userId,
          challenge.filedBy.name,
          new Date(challenge.filedAt),
          challenge.grounds,
          challenge.affectsResult,
          taskRowId(scope, { id: challenge.taskId }),
          challenge.answerDueAt ? new Date(challenge.answerDueAt) : null,
          challenge.status,
          challenge.answeredAt ? new Date(challenge.answeredAt) : null,
          challenge.answeredBy ?? null,
          challenge.reasons ?? null,
          command.seq,
        ],
      );
      const filed = challenge.status === 'open';
      await appendAuditEntry(sql, {
        idempotencyKey: `${scope.workflowId}:${command.seq}`,
        occurredAt: command.at,
        actorId: command.actor.userId,
        actorRole: roleAmong(command.actor, ['vendor']),
        jurisdiction: scope.jurisdiction,
        action: filed ? 'challenge.filed' : 'challenge.answered',
        subjectType: 'challenge',
        subjectId: `${scope.cycleId}/${challenge.challengeId}`,
        comment: filed ? challenge.grounds : `${challenge.status}: ${challenge.reasons ?? ''}`,
        details: {
          cycleId: scope.cycleId,
          workflowId: scope.workflowId,
          seq: command.seq,
          challengeId: challenge.challengeId,
          vendorId: challenge.vendorId,
          affectsResult: challenge.affectsResult,
          status: challenge.status,
          ...(challenge.answerDueAt ? { answerDueAt: challenge.answerDueAt } : {}),
          actorName: command.actor.name,
          ...(command.requestId ? { requestId: command.requestId } : {}),
        },
      });
      return;
    }

    case 'signingChanged':
      // A challenge suspended, resumed or voided this contract's signing, or the performance of a contract
      // already signed (Implementing Regulations art. 54).
      await appendAuditEntry(
        sql,
        systemAuditEntry(scope, command, {
          action:
            command.held === 'performance'
              ? `contract.performance${command.change === 'suspend' ? 'Suspended' : command.change === 'resume' ? 'Resumed' : 'Terminated'}`
              : `contract.signing${command.change === 'suspend' ? 'Suspended' : command.change === 'resume' ? 'Resumed' : 'Voided'}`,
          ...ownerSubject(scope),
          comment: command.reason,
          details: {
            challengeId: command.challengeId,
            tasks: command.tasks.map((task) => ({ taskInstanceId: task.id, dueAt: task.dueAt ?? null })),
          },
        }),
      );
      return;

    default:
      // Timers are the workflow's own business; other commands have no read model (yet): logged only.
      return;
  }
}

type InstructPaymentCommand = Extract<EngineCommand, { type: 'instructPayment' }>;

/**
 * One payment per tranche of a contract, and its outbox row, in the transaction of the command. A second
 * instruction for the same tranche (another seq, another attempt) finds the idempotency key taken and
 * writes nothing: never two payments.
 */
async function instructPayment(sql: Sql, scope: Scope, command: InstructPaymentCommand): Promise<void> {
  const contractId = contractScoped(scope, command, 'payments are instructed under a contract');
  const idempotencyKey = `${scope.workflowId}:tranche:${command.trancheId}`;
  const [payment] = await sql.rows<{ id: string }>(
    `INSERT INTO payments (cycle_id, contract_id, workflow_id, seq, tranche_id, fund, vendor_id, vendor_name, amount_fen, idempotency_key, instructed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [
      scope.cycleId,
      contractId,
      scope.workflowId,
      command.seq,
      command.trancheId,
      command.fund ?? null,
      command.vendorId,
      command.vendorName,
      command.amountFen,
      idempotencyKey,
      new Date(command.at),
    ],
  );
  if (!payment) return;
  const payload = {
    paymentId: payment.id,
    idempotencyKey,
    cycleId: scope.cycleId,
    contractId,
    trancheId: command.trancheId,
    fund: command.fund ?? null,
    vendorId: command.vendorId,
    vendorName: command.vendorName,
    amountFen: command.amountFen,
    instructedAt: command.at,
  };
  await sql.rows(`INSERT INTO payment_outbox (payment_id, payload) VALUES ($1, $2)`, [payment.id, JSON.stringify(payload)]);
  await appendAuditEntry(sql, systemAuditEntry(scope, command, { action: 'payment.instructed', subjectType: 'payment', subjectId: payment.id, details: payload }));
}

interface TaskExtras {
  readonly comment?: string | null;
  readonly fields?: Record<string, FieldValue> | null;
  readonly decidedByName?: string | null;
}

/**
 * Writes a task instance as the command describes it. A row already reflecting a newer command is left
 * alone, so a late `taskOpened` never reopens a closed task.
 */
async function upsertTask(sql: Sql, scope: Scope, seq: number, task: TaskInstance, extras: TaskExtras, rebuild = false): Promise<void> {
  // A rebuild rewrites every column the state holds, whatever the row says (it may be damaged); an open task
  // has no decision, so what a decision recorded beside the state goes too (a reset reopens decided tasks).
  const conflict = rebuild
    ? `ON CONFLICT (id) DO UPDATE SET
       workflow_id = EXCLUDED.workflow_id, task_instance_id = EXCLUDED.task_instance_id, cycle_id = EXCLUDED.cycle_id, contract_id = EXCLUDED.contract_id,
       step_id = EXCLUDED.step_id, node_id = EXCLUDED.node_id, kind = EXCLUDED.kind, opened_at = EXCLUDED.opened_at,
       role = EXCLUDED.role, escalated_to = EXCLUDED.escalated_to, escalate_to = EXCLUDED.escalate_to, title = EXCLUDED.title, status = EXCLUDED.status,
       due_at = EXCLUDED.due_at, outcome = EXCLUDED.outcome, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at,
       period = EXCLUDED.period, parallel_id = EXCLUDED.parallel_id, case_evidence_through = EXCLUDED.case_evidence_through,
       awaiting_case_evidence = EXCLUDED.awaiting_case_evidence, computed_indicators = EXCLUDED.computed_indicators,
       comment = CASE WHEN EXCLUDED.status = 'open' THEN NULL ELSE COALESCE(EXCLUDED.comment, tasks.comment) END,
       fields = CASE WHEN EXCLUDED.status = 'open' THEN NULL ELSE COALESCE(EXCLUDED.fields, tasks.fields) END,
       decided_by_name = CASE WHEN EXCLUDED.status = 'open' THEN NULL ELSE COALESCE(EXCLUDED.decided_by_name, tasks.decided_by_name) END,
       last_seq = EXCLUDED.last_seq`
    : `ON CONFLICT (id) DO UPDATE SET
       role = EXCLUDED.role, escalated_to = EXCLUDED.escalated_to, escalate_to = EXCLUDED.escalate_to, title = EXCLUDED.title, status = EXCLUDED.status,
       due_at = EXCLUDED.due_at, outcome = EXCLUDED.outcome, decided_by = EXCLUDED.decided_by,
       decided_by_name = COALESCE(EXCLUDED.decided_by_name, tasks.decided_by_name), decided_at = EXCLUDED.decided_at,
       period = EXCLUDED.period, parallel_id = EXCLUDED.parallel_id, case_evidence_through = EXCLUDED.case_evidence_through,
       comment = COALESCE(EXCLUDED.comment, tasks.comment), fields = COALESCE(EXCLUDED.fields, tasks.fields), last_seq = EXCLUDED.last_seq
     WHERE tasks.last_seq < EXCLUDED.last_seq`;
  await sql.rows(
    `INSERT INTO tasks (id, workflow_id, task_instance_id, cycle_id, contract_id, step_id, node_id, kind, role, escalated_to, escalate_to,
                        title, status, opened_at, due_at, outcome, decided_by, decided_by_name, decided_at, period, parallel_id, comment, fields, last_seq,
                        awaiting_case_evidence, case_evidence_through, computed_indicators)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)
     ${conflict}`,
    [
      taskRowId(scope, task),
      scope.workflowId,
      task.id,
      scope.cycleId,
      scope.contractId,
      task.stepId,
      task.nodeId,
      task.kind,
      task.role,
      [...task.escalatedTo],
      task.escalateTo ?? null,
      JSON.stringify(task.title),
      task.status,
      new Date(task.openedAt),
      task.dueAt ? new Date(task.dueAt) : null,
      task.status === 'decided' ? (task.outcome ?? null) : null,
      task.decidedBy ?? null,
      extras.decidedByName ?? null,
      task.decidedAt ? new Date(task.decidedAt) : null,
      task.period ?? null,
      task.parallelId ?? null,
      extras.comment ?? null,
      extras.fields ? JSON.stringify(extras.fields) : null,
      seq,
      [...(task.awaitingCaseEvidence ?? [])],
      task.caseEvidenceThrough ? new Date(task.caseEvidenceThrough) : null,
      [...(task.computedIndicators ?? [])],
    ],
  );
}

/**
 * What a decision recorded beside the state (comment, fields, the decider's name), from the task's
 * decision audit entry: for a rebuild that finds the task's row gone. None for a task never decided.
 */
async function recoveredTaskExtras(sql: Sql, rowId: string): Promise<TaskExtras> {
  const [entry] = await sql.rows<{ comment: string | null; fields: Record<string, FieldValue> | null; actor_name: string | null }>(
    `SELECT comment, details -> 'fields' AS fields, details ->> 'actorName' AS actor_name FROM audit_entries
     WHERE subject_type = 'task' AND subject_id = $1 AND details ? 'outcome' ORDER BY id DESC LIMIT 1`,
    [rowId],
  );
  return entry ? { comment: entry.comment, fields: entry.fields, decidedByName: entry.actor_name } : {};
}

/**
 * A task's overdue mark, for a rebuild that found its row gone: the mark is set by the `task.overdue`
 * command and cleared by an extension, both audited, so the later of those entries says whether it stands.
 */
async function restoreOverdueMark(sql: Sql, rowId: string): Promise<void> {
  await sql.count(
    `UPDATE tasks SET overdue_at = e.occurred_at, overdue_due_at = (e.details ->> 'dueAt')::timestamptz
     FROM (SELECT action, occurred_at, details FROM audit_entries
           WHERE subject_type = 'task' AND subject_id = $1 AND action IN ('task.overdue', 'task.deadlineExtended') ORDER BY id DESC LIMIT 1) e
     WHERE tasks.id = $1 AND e.action = 'task.overdue'`,
    [rowId],
  );
}

/** The id of a task's row: `<workflowId>/<taskInstanceId>`. */
export function taskRowId(scope: { readonly workflowId: string }, task: Pick<TaskInstance, 'id'>): string {
  return `${scope.workflowId}/${task.id}`;
}

/** The client's request id of a decision: on the command, or among its form fields. */
function requestIdOf(command: Extract<EngineCommand, { type: 'taskClosed' }>): string | undefined {
  const own = (command as { requestId?: unknown }).requestId;
  if (typeof own === 'string' && own) return own;
  const field = command.fields?.['requestId'];
  return typeof field === 'string' && field ? field : undefined;
}

/** The role an actor acted in: the first of `preferred` they hold, else their first role. */
function roleAmong(actor: Actor, preferred: readonly string[]): string {
  return preferred.find((role) => actor.roles.includes(role)) ?? actor.roles[0] ?? 'none';
}

/** What a system audit entry says beyond who acted, when, and under which key. */
interface SystemAuditFacts {
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly comment?: string | null;
  /** Facts of this kind of entry, beside the cycle, contract, workflow and seq every system entry carries. */
  readonly details?: Record<string, unknown>;
}

/**
 * The audit entry of something a workflow did by itself (a payment, a suspension, a missed deadline…):
 * the workflow is the actor, in the system role, at the command's workflow time, and the entry is keyed
 * by (workflow id, command seq) so a retried projection writes it once. Every such entry names the
 * cycle, contract, workflow and seq it came from, so the trail leads back to the workflow's history.
 */
/**
 * When an SLA passes the holder is reminded and the task escalates: one audit entry each, beside the
 * miss itself (`task.overdue`), so the trail shows whom the workflow told and to whom the task went. Each
 * has its own idempotency key derived from the command's, so a retried projection writes neither twice.
 */
async function auditReminderAndEscalation(sql: Sql, scope: Scope, command: Extract<EngineCommand, { type: 'taskOverdue' }>): Promise<void> {
  const { task } = command;
  const base = systemAuditEntry(scope, command, { action: 'task.reminder', subjectType: 'task', subjectId: taskRowId(scope, task) });
  await appendAuditEntry(sql, {
    ...base,
    idempotencyKey: `${base.idempotencyKey}:reminder`,
    comment: `${task.title.zh} ${task.title.en}: due ${command.dueAt}, reminder to role ${task.role}`,
    details: { ...base.details, taskInstanceId: task.id, stepId: task.stepId, dueAt: command.dueAt, remindedRole: task.role },
  });
  const target = task.escalatedTo.at(-1);
  if (!target) return;
  await appendAuditEntry(sql, {
    ...base,
    idempotencyKey: `${base.idempotencyKey}:escalation`,
    action: 'task.escalated',
    comment: `${task.title.zh} ${task.title.en}: escalated to role ${target}`,
    details: { ...base.details, taskInstanceId: task.id, stepId: task.stepId, dueAt: command.dueAt, escalatedTo: target },
  });
}

function systemAuditEntry(scope: Scope, command: { readonly seq: number; readonly at: string }, facts: SystemAuditFacts): AuditEntryInput {
  return {
    idempotencyKey: `${scope.workflowId}:${command.seq}`,
    occurredAt: command.at,
    actorId: systemActorId(scope),
    actorRole: SYSTEM_ROLE,
    jurisdiction: scope.jurisdiction,
    action: facts.action,
    subjectType: facts.subjectType,
    subjectId: facts.subjectId,
    comment: facts.comment ?? null,
    details: { cycleId: scope.cycleId, contractId: scope.contractId, workflowId: scope.workflowId, seq: command.seq, ...facts.details },
  };
}

/** Who the audit trail and the vendor registry name for a workflow acting by itself. */
const systemActorId = (scope: Scope) => `workflow:${scope.workflowId}`;

/**
 * The contract a contract-scoped command belongs to. Such a command from the cycle workflow is a bug in the
 * engine, refused rather than written against the cycle.
 */
function contractScoped(scope: Scope, command: { readonly type: string; readonly seq: number }, why: string): string {
  if (!scope.contractId) invalid(`${command.type} (seq ${command.seq}) came from the cycle workflow ${scope.workflowId}: ${why}`);
  return scope.contractId;
}

/** The contract of a contract workflow, else the cycle: what a scope-wide entry is about. */
const ownerSubject = (scope: Scope) => ({ subjectType: scope.contractId ? 'contract' : 'cycle', subjectId: scope.contractId ?? scope.cycleId });

const ownerTable = (scope: Scope) => (scope.contractId ? 'contracts' : 'cycles');
const ownerId = (scope: Scope) => scope.contractId ?? scope.cycleId;

// ---- checks ----------------------------------------------------------------------------------------

/** Input the read model cannot take: a bug in the workflow or here, retried until a fixed worker takes it. */
function invalid(message: string): never {
  throw ApplicationFailure.retryable(message, PROJECTION_FAILURES.invalidInput);
}

function checkTarget(input: Pick<ApplyCommandsInput, 'workflowId' | 'cycleId' | 'contractId'>): { workflowId: string; cycleId: string; contractId: string | null } {
  if (!input.workflowId || !input.cycleId) invalid('workflowId and cycleId are required');
  const expected = input.contractId ?? input.cycleId;
  if (input.workflowId !== expected) {
    invalid(
      input.contractId
        ? `workflowId ${input.workflowId} is not the contract's workflow ${input.contractId}: a contract's commands come from its own workflow`
        : `workflowId ${input.workflowId} is not the cycle's workflow ${input.cycleId}: pass contractId for a contract workflow's commands`,
    );
  }
  return { workflowId: input.workflowId, cycleId: input.cycleId, contractId: input.contractId ?? null };
}

function checkCommand(command: EngineCommand): void {
  if (!Number.isSafeInteger(command.seq) || command.seq < 0) invalid(`a ${command.type} command has seq ${String(command.seq)}: seqs are whole numbers from 0`);
  const at = `${command.type} (seq ${command.seq})`;
  switch (command.type) {
    case 'instructPayment':
      if (!isFen(command.amountFen, 1)) invalid(`${at}: amountFen ${String(command.amountFen)} is not a whole number of fen from 1 to ${Number.MAX_SAFE_INTEGER}`);
      if (!command.trancheId) invalid(`${at}: trancheId is empty`);
      return;
    case 'startContracts':
      for (const winner of command.winners) {
        if (!isFen(winner.amountFen)) invalid(`${at}: the award to ${winner.vendorName} of ${String(winner.amountFen)} fen is not a whole number of fen`);
      }
      return;
    case 'serviceLevelMeasured':
      if (!(Number.isInteger(command.measurement.period) && command.measurement.period >= 1)) invalid(`${at}: period ${String(command.measurement.period)} is not a whole number from 1`);
      if (!command.measurement.serviceLevelId) invalid(`${at}: serviceLevelId is empty`);
      return;
    case 'periodReviewed':
      if (!(Number.isInteger(command.review.period) && command.review.period >= 1)) invalid(`${at}: period ${String(command.review.period)} is not a whole number from 1`);
      if (!command.review.reviewId) invalid(`${at}: reviewId is empty`);
      return;
    case 'ended':
      if (!TERMINAL_STATUSES.has(command.status)) invalid(`${at}: "${command.status}" is not an end status`);
      return;
    case 'taskOpened':
    case 'taskClosed':
      if (command.task.status === 'decided' && !command.task.outcome) invalid(`${at}: task ${command.task.id} is decided without an outcome`);
      return;
    default:
      return;
  }
}

/** The statuses a rebuild may write: a cycle's read model also has `awarded` (its contracts run). */
const CYCLE_STATUSES = new Set(['running', 'awarded', ...END_STATUSES]);
const CONTRACT_STATUSES = new Set(['running', ...END_STATUSES]);

function checkRebuild(input: RebuildReadModelInput, target: { contractId: string | null }): void {
  if (!Number.isSafeInteger(input.seq) || input.seq < 1) invalid(`rebuild: seq ${String(input.seq)} is not a whole number from 1`);
  if (!(target.contractId ? CONTRACT_STATUSES : CYCLE_STATUSES).has(input.status)) invalid(`rebuild: "${input.status}" is not a status of a ${target.contractId ? 'contract' : 'cycle'}`);
  if (!input.requestId) invalid('rebuild: requestId is empty');
  for (const task of input.tasks) {
    if (task.status === 'decided' && !task.outcome) invalid(`rebuild: task ${task.id} is decided without an outcome`);
  }
  for (const step of input.steps.records) {
    if (!Number.isSafeInteger(step.enteredSeq) || step.enteredSeq < 0 || step.enteredSeq >= input.seq) invalid(`rebuild: step ${step.stepId} entered at seq ${String(step.enteredSeq)}, not before ${input.seq}`);
  }
}

function checkCycleLaunched(input: RecordCycleLaunchedInput): void {
  if (!input.cycleId) invalid('cycleId is empty');
  if (!input.definition.key) invalid('definition.key is empty');
  if (!Number.isInteger(input.definition.version) || input.definition.version < 1) invalid(`definition.version ${input.definition.version} is not a whole number from 1`);
  if (!SHA256_PATTERN.test(input.definition.contentHash)) invalid(`definition.contentHash "${input.definition.contentHash}" is not a sha256 in hex`);
  if (!input.jurisdiction) invalid('jurisdiction is empty');
}

async function requireCycle(sql: Sql, cycleId: string): Promise<{ jurisdiction: string }> {
  const [cycle] = await sql.rows<{ jurisdiction: string }>(`SELECT jurisdiction FROM cycles WHERE id = $1`, [cycleId]);
  if (!cycle) {
    throw ApplicationFailure.retryable(
      `cycle ${cycleId} has not been recorded: call recordCycleLaunched before projecting anything of it`,
      PROJECTION_FAILURES.unknownCycle,
    );
  }
  return cycle;
}

async function loadScope(sql: Sql, target: { workflowId: string; cycleId: string; contractId: string | null }): Promise<Scope> {
  const { jurisdiction } = await requireCycle(sql, target.cycleId);
  if (target.contractId) {
    const [contract] = await sql.rows<{ cycle_id: string }>(`SELECT cycle_id FROM contracts WHERE id = $1`, [target.contractId]);
    if (!contract) {
      throw ApplicationFailure.retryable(
        `contract ${target.contractId} has not been recorded: call recordContractStarted before projecting its commands`,
        PROJECTION_FAILURES.unknownContract,
      );
    }
    if (contract.cycle_id !== target.cycleId) invalid(`contract ${target.contractId} belongs to cycle ${contract.cycle_id}, not ${target.cycleId}`);
  }
  return { ...target, jurisdiction };
}

// ---- SQL -------------------------------------------------------------------------------------------

/** The two shapes of result the projections need, over one transaction's connection. */
interface Sql {
  query(text: string, parameters?: unknown[]): Promise<unknown>;
  rows<T = Record<string, unknown>>(text: string, parameters?: unknown[]): Promise<T[]>;
  /** Runs an UPDATE or DELETE and returns how many rows it touched. */
  count(text: string, parameters?: unknown[]): Promise<number>;
}

function sqlOf(manager: EntityManager): Sql {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('projections run inside a transaction');
  return {
    query: (text, parameters = []) => runner.query(text, parameters),
    async rows<T>(text: string, parameters: unknown[] = []) {
      return (await runner.query(text, parameters, true)).records as T[];
    },
    async count(text, parameters = []) {
      return (await runner.query(text, parameters, true)).affected ?? 0;
    },
  };
}

/**
 * Any error PostgreSQL reports (it carries a SQLSTATE) becomes a retryable failure that names the
 * SQLSTATE, table, column and constraint, with PostgreSQL's message stripped of the values it quotes:
 * the failure is kept on the Temporal server and shown to operators, and a quoted value may be a
 * person's data. The driver's error is not attached as the cause for the same reason (its detail and
 * the query's parameters quote values). Errors without a SQLSTATE (a connection lost) are left as they
 * are, and are retried too.
 */
async function translateDatabaseErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // TypeORM wraps the driver's error of a query; one raised at COMMIT (a deferred constraint) may come bare.
    const fields = databaseErrorFields((error as { driverError?: unknown }).driverError) ?? databaseErrorFields(error);
    if (!fields) throw error;
    throw ApplicationFailure.create({ message: describeDatabaseError(fields), type: PROJECTION_FAILURES.databaseRefused, nonRetryable: false });
  }
}

interface DatabaseErrorFields {
  readonly code: string;
  readonly message: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
  readonly identifiers: readonly string[];
}

function databaseErrorFields(driverError: unknown): DatabaseErrorFields | undefined {
  if (!driverError || typeof driverError !== 'object') return undefined;
  const text = (key: string): string | undefined => {
    const value = (driverError as Record<string, unknown>)[key];
    return typeof value === 'string' && value ? value : undefined;
  };
  const code = text('code');
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  const table = text('table');
  const column = text('column');
  const constraint = text('constraint');
  const identifiers = [text('schema'), table, column, constraint, text('dataType')].filter((name): name is string => name !== undefined);
  return { code, message: text('message') ?? '', ...(table ? { table } : {}), ...(column ? { column } : {}), ...(constraint ? { constraint } : {}), identifiers };
}

/** Longest database message kept in a failure: enough to name the rule, short enough to read in a list. */
const MAX_DATABASE_MESSAGE = 300;

function describeDatabaseError(fields: DatabaseErrorFields): string {
  const where = [fields.table && `table ${fields.table}`, fields.column && `column ${fields.column}`, fields.constraint && `constraint ${fields.constraint}`]
    .filter(Boolean)
    .join(', ');
  return `the read model could not take this projection (PostgreSQL ${fields.code}${where ? `, ${where}` : ''}): ${withoutQuotedValues(fields.message, fields.identifiers)}`;
}

/**
 * PostgreSQL quotes identifiers and values alike in double quotes (`violates check constraint "x"`,
 * `invalid input syntax for type integer: "…"`), and a quoted value may itself hold quotes: the message
 * is kept up to the first quoted text that is not one of the error's own identifiers, which becomes an
 * ellipsis, and the rest is dropped. Only its first line is kept, within a bounded length.
 */
export function withoutQuotedValues(message: string, identifiers: readonly string[]): string {
  let rest = message.split('\n')[0] ?? '';
  let kept = '';
  for (;;) {
    const quote = rest.indexOf('"');
    if (quote < 0) {
      kept += rest;
      break;
    }
    kept += rest.slice(0, quote);
    const quoted = rest.slice(quote + 1);
    const identifier = identifiers.find((name) => quoted.startsWith(`${name}"`));
    if (identifier === undefined) {
      kept += '"…"';
      break;
    }
    kept += `"${identifier}"`;
    rest = quoted.slice(identifier.length + 1);
  }
  return kept.length > MAX_DATABASE_MESSAGE ? `${kept.slice(0, MAX_DATABASE_MESSAGE - 1)}…` : kept;
}
