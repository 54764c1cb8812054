import { allHandlersFinished, ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { ApplyCommandsInput } from '../../activities/procurement-projections.js';
import { decide } from '../engine/interpreter.js';
import type { Decision, EngineCommand, EngineContext, EngineEvent, EngineState } from '../engine/types.js';
import { ACTIVITY_PROFILES, LOCAL_ACTIVITY_PROFILES } from '../shared/activity-profiles.js';
import { localFirst } from '../shared/local-first.js';
import { PROCUREFLOW_KIND, PROCUREFLOW_NEXT_DUE, PROCUREFLOW_STATUS, PROCUREFLOW_STEP, progressSearchAttributes } from '../search-attributes.js';
import { logStep, rebuildRefusal, type StepRecord } from '../engine/read-model-rebuild.js';
import { type AnsweredRequest, type CancelRequest, type RebuildReadModelRequest, type DecideTaskRequest, type FileChallengeRequest, type RepairTaskRequest, type SubmitBidRequest, type MessageResult, REFUSAL_ERROR_TYPES, type ResumeState } from './messages.js';

/** The patch marking a run whose treasury exports run beside the queue of projections instead of inside it. */
const TREASURY_EXPORT_BESIDE_PATCH = 'treasury-export-off-the-answer';

/**
 * The patch marking a run that projects its commands with a local activity first (see `localFirst`).
 * Runs started before it keep scheduling the regular activity on replay.
 */
export const LOCAL_PROJECTION_PATCH = 'projection-local-first';

/** The patch marking a run that took a read-model rebuild (`rebuildReadModelUpdate`). */
export const REBUILD_PATCH = 'ops-rebuild-read-model';

/** What identifies a request to the runner: its id, and what it asks (see messages.ts `Request`). */
export interface RequestKey {
  readonly requestId: string;
  readonly fingerprint: string;
}

const { applyCommands, rebuildReadModel } = proxyActivities<Activities>(ACTIVITY_PROFILES.projection);
const { exportTreasuryPayments } = proxyActivities<Activities>(ACTIVITY_PROFILES.externalCall);
const { applyCommands: applyCommandsLocally } = proxyLocalActivities<Activities>(LOCAL_ACTIVITY_PROFILES.projection);

/** Writes a batch of commands to the read model: a local activity first, the regular one should it fail (see `localFirst`). */
function projectBatch(input: ApplyCommandsInput): Promise<unknown> {
  return localFirst(LOCAL_PROJECTION_PATCH, applyCommandsLocally, applyCommands, input);
}

/** What the search attributes say of a process's progress, as one comparable string. */
function progressKey(progress: { readonly step: string | null; readonly status: string | null; readonly nextDue: string | null }): string {
  return JSON.stringify([progress.step, progress.status, progress.nextDue]);
}

/**
 * Hosts the interpreter inside a workflow: keeps its state, carries out its commands (timers here,
 * everything else through the projection activity, in order), answers updates exactly once per
 * request id, and fires timers when they are due. Shared by the cycle and contract workflows.
 */
export class ScopeRunner {
  state: EngineState;
  timers: Record<string, string>;
  answered: Record<string, AnsweredRequest>;
  /** Bumped whenever the state changes, to wake the timer loop. */
  private version = 0;
  /**
   * The last projection queued, settled whether it succeeded or not: each projection starts after the
   * one before it has ended, in the order the interpreter emitted the commands, and one that failed
   * never stops those queued after it.
   */
  private tail: Promise<void> = Promise.resolve();
  /** Treasury exports running beside the answers of the decisions that instructed payments; the scope waits for them before it ends or continues as new. */
  private exports: Promise<void> = Promise.resolve();
  /** Commands accepted but not yet in the read model, oldest first, numbered in the order they came. */
  private unprojected: Array<{ readonly ordinal: number; readonly command: EngineCommand }> = [];
  private ordinals = 0;
  /**
   * Every step opening and ending among the commands this runner projected, for a rebuild of
   * `cycle_steps`. Workflow memory only: a replay rebuilds it from the same commands, so it adds nothing to
   * history; a run continued as new starts it afresh, knowing the steps from `stepsKnownFrom` on.
   */
  private steps: readonly StepRecord[] = [];
  private readonly stepsKnownFrom: number;
  /** The step, status and next due time last written to the search attributes; undefined: not kept up. */
  private searchedProgress: string | undefined;

  constructor(
    readonly context: EngineContext,
    readonly ids: { workflowId: string; cycleId: string; contractId?: string },
    initial: EngineState,
    resume?: ResumeState,
  ) {
    this.state = resume?.state ?? initial;
    this.timers = { ...(resume?.timers ?? {}) };
    this.answered = { ...(resume?.answered ?? {}) };
    this.stepsKnownFrom = resume ? resume.state.seq : 0;
  }

  /**
   * Keeps the workflow's step, status and next due time in its search attributes from now on, when it
   * was started with procureflow's search attributes (the server has them) — behind a patch, so
   * histories recorded before this replay without the upserts they never had.
   */
  keepSearchAttributes(): void {
    // Every patch marker also makes the SDK upsert TemporalChangeVersion, so a launch that took
    // `ops-search-attributes` and then upserted its progress wrote two upserts at the same instant.
    // Workflows started since `one-search-attribute-upsert` take only that patch and upsert their
    // progress only where it differs from the attributes they started (or continued) with.
    if (patched('one-search-attribute-upsert')) {
      const held = workflowInfo().typedSearchAttributes;
      if (held.get(PROCUREFLOW_KIND) === undefined) return;
      this.searchedProgress = progressKey({ step: held.get(PROCUREFLOW_STEP) ?? null, status: held.get(PROCUREFLOW_STATUS) ?? null, nextDue: held.get(PROCUREFLOW_NEXT_DUE)?.toISOString() ?? null });
      this.upsertProgress();
      return;
    }
    if (!patched('ops-search-attributes') || workflowInfo().typedSearchAttributes.get(PROCUREFLOW_KIND) === undefined) return;
    this.searchedProgress = '';
    this.upsertProgress();
  }

  /** Whether this workflow keeps its search attributes up to date (see `keepSearchAttributes`). */
  get keepsSearchAttributes(): boolean {
    return this.searchedProgress !== undefined;
  }

  private upsertProgress(): void {
    if (this.searchedProgress === undefined) return;
    const running = this.state.status === 'running';
    const step = running ? (this.context.definition.steps[this.state.stepIndex]?.id ?? null) : null;
    const dues = this.state.tasks.filter((task) => task.status === 'open' && task.dueAt !== undefined).map((task) => task.dueAt as string).sort();
    const progress = { step, status: this.state.status, nextDue: dues[0] ?? null };
    const key = progressKey(progress);
    if (key === this.searchedProgress) return;
    this.searchedProgress = key;
    upsertSearchAttributes(progressSearchAttributes(progress));
  }

  /**
   * Told of every accepted command batch, to reach other workflows (a cycle's contracts, a contract's
   * cycle); an update's answer waits for what it returns, so whoever sent the update finds them told.
   * It returns nothing when it has nothing to send, so a batch without such commands is awaited exactly
   * as before relays existed (recorded histories replay the same commands in the same order).
   */
  relay: ((commands: readonly EngineCommand[]) => Promise<void> | undefined) | undefined;

  /** Takes an accepted decision: new state, timers, and the projection of its commands. */
  accept(decision: Extract<Decision, { ok: true }>): Promise<void> {
    this.state = decision.state;
    this.version++;
    this.upsertProgress();
    for (const command of decision.commands) {
      if (command.type === 'startTimer') this.timers[command.timerId] = command.until;
      if (command.type === 'cancelTimer') delete this.timers[command.timerId];
    }
    const projected = this.project(decision.commands);
    const relayed = this.relay?.(decision.commands);
    return relayed ? Promise.all([projected, relayed]).then(() => undefined) : projected;
  }

  /**
   * Queues a write that must land after everything accepted so far and before anything accepted later
   * (recording the cycle comes first, a bid before the award that scores it). Resolves once it has landed.
   */
  enqueue(work: () => Promise<unknown>): Promise<void> {
    return this.chain(async () => {
      await work();
    });
  }

  /**
   * Queues the projection of `commands` (none: just waits for what is queued). Resolves once they, and
   * everything accepted before them, are in the read model. The projection activities retry until they
   * land; should one still fail for good (its workflow cancelled), the commands it carried stay
   * unprojected and travel with the next projection, so none is ever dropped.
   */
  project(commands: readonly EngineCommand[]): Promise<void> {
    for (const command of commands) {
      this.unprojected.push({ ordinal: this.ordinals++, command });
      this.steps = logStep(this.steps, command);
    }
    const mark = this.ordinals;
    return this.chain(() => this.sendUnprojected(mark));
  }

  /** Waits until every accepted command is in the read model; fails only when that can no longer happen. */
  async settle(): Promise<void> {
    await this.tail;
    if (this.unprojected.length > 0) await this.project([]);
    await this.exports;
  }

  private chain(work: () => Promise<void>): Promise<void> {
    const link = this.tail.then(work);
    this.tail = link.then(
      () => undefined,
      () => undefined,
    );
    return link;
  }

  /** Sends every unprojected command queued before `mark`, in one batch; later ones wait for their own turn. */
  private async sendUnprojected(mark: number): Promise<void> {
    const batch = this.unprojected.filter((entry) => entry.ordinal < mark).map((entry) => entry.command);
    if (batch.length === 0) return;
    await projectBatch({ workflowId: this.ids.workflowId, cycleId: this.ids.cycleId, ...(this.ids.contractId ? { contractId: this.ids.contractId } : {}), commands: batch });
    this.unprojected = this.unprojected.filter((entry) => entry.ordinal >= mark);
    // A payment instruction goes to the treasury as soon as it is recorded; the export writes each payment once.
    if (batch.some((command) => command.type === 'instructPayment')) {
      if (patched(TREASURY_EXPORT_BESIDE_PATCH)) this.exportBeside();
      else await exportTreasuryPayments();
    }
  }

  /**
   * Starts a treasury export after those already started, without holding up the queue. The decision that
   * instructed the payment is taken and recorded once its projection lands; an outside system that is slow
   * or down (the export retries until it succeeds) must not delay its answer or turn it into a 503. A
   * failing export shows on the ops stuck list, and `ops retry` runs it again at once.
   */
  private exportBeside(): void {
    // Each export follows the previous one whatever became of it (exports retry without end, so only a
    // cancelled activity fails); the failure is marked handled here and surfaces when the scope settles.
    const next = this.exports.catch(() => undefined).then(async () => {
      await exportTreasuryPayments();
    });
    next.catch(() => undefined);
    this.exports = next;
  }

  /** For update validators: refuses (synchronously) what the interpreter would refuse, and a reused request id. */
  validate(request: RequestKey, event: EngineEvent): void {
    if (this.earlierAnswer(request)) return;
    const decision = decide(this.context, this.state, event);
    if (!decision.ok) throw refusalOf(decision);
  }

  /**
   * For update handlers: applies the event once per request id and answers once its projection has
   * landed. `alsoRecord`, called right after the event is accepted, may name one more write to queue
   * behind the event's commands (the bid itself); the answer waits for it too.
   */
  async handle(request: RequestKey, event: EngineEvent, alsoRecord?: () => (() => Promise<unknown>) | undefined): Promise<MessageResult> {
    const earlier = this.earlierAnswer(request);
    if (earlier) return earlier;
    const decision = decide(this.context, this.state, event);
    if (!decision.ok) throw refusalOf(decision);
    const projected = this.accept(decision);
    const record = alsoRecord?.();
    const recorded = record ? this.enqueue(record) : Promise.resolve();
    const result = this.remember(request);
    await Promise.all([projected, recorded]);
    return result;
  }

  /** For the rebuild update's validator: refuses what `rebuild` would, and a reused request id. */
  validateRebuild(request: RebuildReadModelRequest): void {
    if (this.earlierAnswer(request)) return;
    const refusal = rebuildRefusal(this.context, request.actor, request.reason);
    if (refusal) throw refusalOf(refusal);
  }

  /**
   * Rewrites the read-model rows that are a function of this workflow's state (its tasks, its steps, its
   * status and current step) as the state stands now, and audits it, once per request id. The state is
   * taken when the update is accepted and the write is queued like a projection: every command before it
   * lands first, every later one after it, so none is skipped or overwritten by the rebuild.
   * `readModelStatus` is the owner's status as the read model words it (a cycle whose contracts run is `awarded`).
   */
  async rebuild(request: RebuildReadModelRequest, readModelStatus: string): Promise<MessageResult> {
    const earlier = this.earlierAnswer(request);
    if (earlier) return earlier;
    const refusal = rebuildRefusal(this.context, request.actor, request.reason);
    if (refusal) throw refusalOf(refusal);
    // After a reset, the next command is numbered above every seq the undone part used.
    if (request.reset && request.reset.seqFloor > this.state.seq) this.state = { ...this.state, seq: request.reset.seqFloor };
    const running = this.state.status === 'running';
    // Copies, so what is written is the state as it was accepted, whatever the workflow decides meanwhile.
    const input = JSON.parse(
      JSON.stringify({
        ...this.ids,
        seq: this.state.seq,
        at: new Date().toISOString(),
        status: readModelStatus,
        stepId: running ? (this.context.definition.steps[this.state.stepIndex]?.id ?? null) : null,
        biddingOpen: this.state.biddingOpen,
        endReason: this.state.endReason ?? null,
        tasks: this.state.tasks,
        steps: { knownFrom: this.stepsKnownFrom, records: this.steps },
        actor: request.actor,
        reason: request.reason.trim(),
        requestId: request.requestId,
        ...(request.reset ? { reset: request.reset } : {}),
      }),
    ) as Parameters<typeof rebuildReadModel>[0];
    const result = this.remember(request);
    await this.enqueue(() => rebuildReadModel(input));
    return result;
  }

  /** Records the answer to `request` as the state now stands, so a repeat gets it again. */
  remember(request: RequestKey): MessageResult {
    const result = this.result(request.requestId);
    this.answered[request.requestId] = { fingerprint: request.fingerprint, result };
    return result;
  }

  /**
   * The answer already given to this request, if any. The same id with another fingerprint (another
   * actor, target or content) is refused: an id names one request, and a second one must not pass for
   * it silently.
   */
  earlierAnswer(request: RequestKey): MessageResult | undefined {
    const earlier = this.answered[request.requestId];
    if (!earlier) return undefined;
    if (earlier.fingerprint !== request.fingerprint) {
      throw ApplicationFailure.create({
        type: REFUSAL_ERROR_TYPES.conflict,
        message: `request id "${request.requestId}" was already used for another request (another actor, target or content): send a new request id for a new request`,
        nonRetryable: true,
        details: [{ field: 'requestId' }],
      });
    }
    return earlier.result;
  }

  result(requestId: string): MessageResult {
    const step = this.state.status === 'running' ? this.context.definition.steps[this.state.stepIndex] : undefined;
    return { requestId, status: this.state.status, openTasks: this.state.tasks.filter((t) => t.status === 'open'), stepId: step?.id ?? null };
  }

  /**
   * Fires timers as they fall due until the scope stops running, or until Temporal suggests starting
   * a fresh history and no update is being handled (then the caller continues as new with
   * `resumeState()`: timers and answered requests travel with the state).
   */
  async runUntilEnded(): Promise<'ended' | 'continueAsNew'> {
    const stopped = await this.fireTimersWhile(() => this.state.status === 'running', true);
    await this.settle();
    return stopped;
  }

  /**
   * Fires timers as they fall due while `active()` holds, whatever the scope's status: a cycle whose own
   * steps are over still has the deadlines of the challenges it answers while its contracts run.
   */
  async runTimersWhile(active: () => boolean): Promise<void> {
    await this.fireTimersWhile(active, false);
  }

  /**
   * The one timer loop: fires the earliest timer when it falls due, waking early when an update changes
   * the state. With `mayContinueAsNew`, it also stops when Temporal suggests a fresh history and the last
   * update handler has finished: a scope driven by updates alone would otherwise never find a quiet
   * moment to continue as new. Replay: the waits are the same conditions, with the same timeouts, as
   * the two loops this one replaced.
   */
  private async fireTimersWhile(active: () => boolean, mayContinueAsNew: boolean): Promise<'ended' | 'continueAsNew'> {
    const freshHistoryDue = () => mayContinueAsNew && workflowInfo().continueAsNewSuggested && allHandlersFinished();
    while (active()) {
      if (freshHistoryDue()) return 'continueAsNew';
      const seen = this.version;
      const next = Object.entries(this.timers).sort(([, a], [, b]) => a.localeCompare(b))[0];
      const changed = () => !active() || this.version !== seen || freshHistoryDue();
      if (!next) {
        await condition(changed);
        continue;
      }
      const [timerId, until] = next;
      const wait = Date.parse(until) - Date.now();
      if (wait > 0 && (await condition(changed, wait))) continue;
      delete this.timers[timerId];
      const decision = decide(this.context, this.state, { type: 'timerFired', at: new Date().toISOString(), timerId });
      if (decision.ok) await this.accept(decision);
    }
    return 'ended';
  }

  resumeState(): ResumeState {
    return { state: this.state, timers: this.timers, answered: this.answered };
  }
}

/** The interpreter event of a decision request, stamped with workflow time. */
export function decisionEvent(request: DecideTaskRequest): Extract<EngineEvent, { type: 'taskDecided' }> {
  return {
    type: 'taskDecided',
    at: new Date().toISOString(),
    taskId: request.taskId,
    outcome: request.outcome,
    actor: request.actor,
    fields: request.fields,
    ...(request.comment ? { comment: request.comment } : {}),
    ...(request.payload ? { payload: request.payload } : {}),
    requestId: request.requestId,
  };
}

/** The interpreter event of a bid, stamped with workflow time; the workflow records who handed it in. */
export function bidEvent(request: SubmitBidRequest): EngineEvent {
  const at = new Date().toISOString();
  const bid = { bidId: request.bidId, vendorId: request.vendorId, vendorName: request.vendorName, priceFen: request.priceFen, qualified: request.qualified, submittedAt: at, ...(request.history ? { history: request.history } : {}) };
  return { type: 'bidSubmitted', at, bid, actor: request.actor };
}

/** The interpreter event of a challenge, stamped with workflow time. */
export function challengeEvent(request: FileChallengeRequest): EngineEvent {
  return {
    type: 'challengeFiled',
    at: new Date().toISOString(),
    actor: request.actor,
    challengeId: request.challengeId,
    grounds: request.grounds,
    affectsResult: request.affectsResult,
    requestId: request.requestId,
  };
}

/** The interpreter event of a task repair by ops staff, stamped with workflow time. */
export function repairEvent(request: RepairTaskRequest): EngineEvent {
  return { type: 'taskRepaired', at: new Date().toISOString(), actor: request.actor, taskId: request.taskId, repair: request.repair, reason: request.reason, requestId: request.requestId };
}

/** The interpreter event of a cancellation, stamped with workflow time. */
export function cancelEvent(request: CancelRequest): EngineEvent & { type: 'cancel' } {
  return { type: 'cancel', at: new Date().toISOString(), actor: request.actor, reason: request.reason, requestId: request.requestId };
}

/** A refused event as the update's failure: the API maps its type to 403, 409 or 422 and names the field. */
export function refusalOf(decision: Extract<Decision, { ok: false }>): ApplicationFailure {
  return ApplicationFailure.create({
    type: REFUSAL_ERROR_TYPES[decision.code],
    message: decision.message,
    nonRetryable: true,
    details: decision.problems ? decision.problems.map((p) => ({ ...p })) : decision.field ? [{ field: decision.field }] : [],
  });
}
