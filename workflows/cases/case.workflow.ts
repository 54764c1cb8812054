import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type { Activities } from '../../activities/index.js';
import type { CaseRecord } from '../../activities/case-projections.js';
import type { SupervisionDefinition } from '../../src/definitions/supervision/supervision.schema.js';
import { actsForVendor, eventRecorder, servesCase } from '../../src/definitions/supervision/case-roles.js';
import { jurisdictionAllows, OPS_ROLE } from '../../src/identity/identity.js';
import type { Actor } from '../engine/types.js';
import { formatInstant, parseInstant, periodEnd } from '../machines/obligation-periods.js';
import { eventDeclaration, validateCaseEvent } from '../machines/supervision-case.events.js';
import {
  acceptedEvents,
  createSupervisionMachine,
  type ObligationRecord,
  obligationStatus,
  periodTimers,
  restoreCaseSnapshot,
  type SupervisionEvent,
  type SupervisionSnapshot,
} from '../machines/supervision-case.machine.js';
import { PROCUREFLOW_KIND, progressSearchAttributes } from '../search-attributes.js';
import { ACTIVITY_PROFILES, LOCAL_ACTIVITY_PROFILES } from '../shared/activity-profiles.js';
import { localFirst } from '../shared/local-first.js';
import {
  type AnsweredCaseRequest,
  type CaseBreach,
  cancelCaseUpdate,
  type CancelCaseRequest,
  type CaseEventRequest,
  type CaseMessageResult,
  caseEventUpdate,
  caseRolesOf,
  type CaseStateView,
  caseStateQuery,
  type CaseTask,
  type CaseWorkflowInput,
  type CaseWorkflowStatus,
  DEFAULT_HISTORY_BOUND,
  decideCaseTaskUpdate,
  type DecideCaseTaskRequest,
  REFUSAL_ERROR_TYPES,
} from './messages.js';

const { recordCaseChanges } = proxyActivities<Activities>(ACTIVITY_PROFILES.projection);
const { recordCaseChanges: recordCaseChangesLocally } = proxyLocalActivities<Activities>(LOCAL_ACTIVITY_PROFILES.projection);

/** The patch marking a case run that records its changes with a local activity first (see `localFirst`); runs started before it replay as they ran. */
const LOCAL_CASE_PROJECTION_PATCH = 'case-projection-local-first';

/** How many answered request ids travel across continue-as-new: enough for any retry still in flight. */
const ANSWERS_KEPT = 1_000;

/**
 * One supervised person's case: hosts the XState machine of the lifecycle version it was enrolled under,
 * with the pure `initialTransition` / `transition`, the snapshot as workflow state. People's events arrive
 * as the `caseEvent` Update, refused synchronously by its validator (undeclared or bad payload: Invalid;
 * wrong role or vendor: Forbidden; not accepted in the current state: Conflict). Period ends are
 * Temporal timers computed from the absolute instants the machine reports (`periodTimers`), never XState
 * `after`, so they re-arm identically after replay and continue-as-new. Every change reaches the read
 * model through `recordCaseChanges` (a local activity first, see `localFirst`), keyed by (workflow id,
 * seq), in order. Ops may cancel the case (`cancelCase`): the lifecycle stops where it is, its open tasks
 * are withdrawn and the workflow ends.
 */
export async function caseWorkflow(input: CaseWorkflowInput): Promise<{ state: string; status: CaseWorkflowStatus }> {
  const { definition } = input;
  const machine = createSupervisionMachine(definition);
  const { workflowId } = workflowInfo();
  // Workflow time, not the API's clock: the case's periods and its events' `at` are judged against it.
  const enrolledAt = input.enrolledAt ?? formatInstant(Date.now(), definition.utcOffset);
  const enrolledAtMs = Date.parse(enrolledAt);

  let snapshot: SupervisionSnapshot;
  if (input.resume) {
    snapshot = restoreCaseSnapshot(machine, input.resume.snapshot);
  } else {
    const [initial] = initialTransition(machine, { attributes: input.attributes, at: enrolledAt });
    if (initial.status === 'error') {
      throw ApplicationFailure.create({ type: REFUSAL_ERROR_TYPES.invalid, message: String(initial.error), nonRetryable: true, details: [{ field: 'attributes' }] });
    }
    snapshot = initial;
  }
  let seq = input.resume?.seq ?? 0;
  const tasks: CaseTask[] = [...(input.resume?.tasks ?? [])];
  const breaches: CaseBreach[] = [...(input.resume?.breaches ?? [])];
  const answered: Record<string, AnsweredCaseRequest> = { ...(input.resume?.answered ?? {}) };
  /** Bumped whenever the snapshot changes, to wake the timer loop. */
  let version = 0;

  const stateOf = () => String(snapshot.value);
  const isFinal = () => snapshot.status === 'done';
  /** Set when ops cancelled the case: the workflow takes nothing more and ends. */
  let cancelled = false;
  const ended = () => isFinal() || cancelled;
  const statusOf = (): CaseWorkflowStatus => (cancelled ? 'cancelled' : isFinal() ? 'completed' : 'running');

  // The state, status and next due time in the search attributes, so ops find the case where it is now.
  // Behind a patch, so histories recorded before replay without the upserts they never had; and only
  // when the case was started with procureflow's attributes (the namespace has them).
  const searchable = patched('case-search-attributes') && workflowInfo().typedSearchAttributes.get(PROCUREFLOW_KIND) !== undefined;
  let searched = '';
  const keepSearchAttributes = (): void => {
    if (!searchable) return;
    const progress = { step: stateOf(), status: statusOf(), nextDue: ended() ? null : nextDue() };
    const key = JSON.stringify(progress);
    if (key === searched) return;
    searched = key;
    upsertSearchAttributes(progressSearchAttributes(progress));
  };

  // Projections land one after another, in the order the changes were accepted.
  let tail: Promise<void> = Promise.resolve();
  const project = (records: CaseRecord[]): Promise<void> => {
    if (records.length === 0) return tail;
    const link = tail.then(async () => {
      await localFirst(LOCAL_CASE_PROJECTION_PATCH, recordCaseChangesLocally, recordCaseChanges, { workflowId, caseId: input.caseId, jurisdiction: input.jurisdiction, records });
    });
    tail = link.catch(() => undefined);
    return link;
  };

  /** Feeds the machine one event; returns the periods and stays it closed. */
  const step = (event: SupervisionEvent): ObligationRecord[] => {
    const before = snapshot.context.history.length;
    const [next] = transition(machine, snapshot, event);
    snapshot = next;
    version++;
    keepSearchAttributes();
    return next.context.history.slice(before);
  };

  /** The read-model records of closed periods: unmet ones are breaches, and raise the task their obligation names. */
  const closedRecords = (closed: readonly ObligationRecord[], at: string): CaseRecord[] =>
    closed.flatMap((record): CaseRecord[] => {
      // A periodic obligation's period cut short by leaving the state is not a breach; a whole stay or a full period is.
      const breach = !record.met && (record.closedBy === 'period.elapsed' || record.period === null);
      const periodSeq = seq++;
      const raise = breach ? obligationOf(definition, record.state, record.obligation)?.onMissed?.raise : undefined;
      const taskId = raise ? `${raise.id}-${periodSeq}` : null;
      const records: CaseRecord[] = [{ kind: 'periodClosed', seq: periodSeq, record, breach, taskId, nextDueAt: nextDue() }];
      if (!breach) return records;
      if (raise && taskId) {
        const dueAt = raise.due ? (periodEnd(record.endedAt ?? at, raise.due, 'rolling', definition.utcOffset) ?? null) : null;
        const task: CaseTask = {
          id: taskId,
          kind: raise.id,
          title: raise.title,
          role: raise.role,
          obligation: record.obligation,
          period: record.period,
          openedAt: at,
          dueAt,
          status: 'open',
        };
        tasks.push(task);
        records.push({ kind: 'taskOpened', seq: seq++, task });
      }
      breaches.push({
        obligation: record.obligation,
        state: record.state,
        period: record.period,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
        total: record.total,
        required: record.required,
        taskId,
      });
      return records;
    });

  /** When the earliest running period of an obligation that applies to the case ends: the read model lists cases by it. */
  const nextDue = (): string | null =>
    obligationStatus(snapshot, definition)
      .flatMap((status) => (status.applies && status.periodEndsAt !== null ? [status.periodEndsAt] : []))
      .sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;

  const result = (requestId: string, at: number): CaseMessageResult => ({ requestId, state: stateOf(), final: isFinal(), seq: at });

  /** The answer already given to this request id; the same id for another request is refused. */
  const earlierAnswer = (request: { requestId: string; fingerprint: string }): CaseMessageResult | undefined => {
    const earlier = answered[request.requestId];
    if (!earlier) return undefined;
    if (earlier.fingerprint !== request.fingerprint) {
      throw refusal('conflict', `request id "${request.requestId}" was already used for another request: send a new request id for a new request`, 'requestId');
    }
    return earlier.result;
  };

  const nowIso = () => formatInstant(Date.now(), definition.utcOffset);

  /** Refuses, synchronously, what the case would not accept from this actor now. */
  const checkEvent = (request: CaseEventRequest): void => {
    const { type } = request;
    if (cancelled) throw refusal('conflict', 'the case was cancelled; it takes no more events', 'type');
    if (typeof type !== 'string' || type === 'period.elapsed') {
      throw refusal('invalid', `"type" must name an event of lifecycle "${definition.metadata.key}"; "period.elapsed" is sent by the case's own timers`, 'type');
    }
    const declaration = eventDeclaration(definition, type);
    if (!declaration && type !== 'attributes.updated') {
      throw refusal('invalid', `event "${type}" is not declared in lifecycle "${definition.metadata.key}"`, 'type');
    }
    const held = caseRolesOf(definition, request.actor);
    const { allowed, role, permitted } = eventRecorder(definition.roles, declaration?.recordedBy, held);
    if (!permitted) {
      throw refusal('forbidden', `event "${type}" is recorded by ${allowed.map((r) => `"${r}"`).join(', ') || 'no role'}; you act as ${held.map((r) => `"${r}"`).join(', ') || 'no role'}`, 'type');
    }
    checkVendor(request.actor, role);
    if (!acceptedEvents(snapshot, definition).includes(type)) {
      throw refusal('conflict', `the case is in state "${stateOf()}", which does not accept event "${type}"`, 'type');
    }
    const payload = request.payload ?? {};
    if (typeof payload !== 'object' || Array.isArray(payload)) throw refusal('invalid', '"payload" must be an object of the event\'s fields', 'payload');
    const problems = validateCaseEvent(definition, { ...payload, type });
    for (const field of declaration?.payload ?? []) {
      const value = payload[field.id];
      // Told without the value: a long text may be a confidential one.
      if (field.maxLength !== undefined && typeof value === 'string' && value.length > field.maxLength) {
        problems.push(`field of event "${type}" "${field.id}" must be at most ${field.maxLength} characters, not ${value.length}`);
      }
    }
    if (problems.length > 0) {
      throw ApplicationFailure.create({
        type: REFUSAL_ERROR_TYPES.invalid,
        message: problems.join('; '),
        nonRetryable: true,
        details: problems.map((message) => ({ field: problemField(message), message })),
      });
    }
    if (request.at !== undefined) {
      const at = typeof request.at === 'string' ? parseInstant(request.at, definition.utcOffset) : undefined;
      if (at === undefined) throw refusal('invalid', '"at" must be a date (YYYY-MM-DD) or a date and time with a zone', 'at');
      if (at > Date.now()) throw refusal('invalid', `"at" (${request.at}) is in the future; record events once they have happened`, 'at');
      if (at < enrolledAtMs) throw refusal('invalid', `"at" (${request.at}) is before the case was enrolled (${enrolledAt})`, 'at');
    }
  };

  /** Vendor staff act only on cases their own organisation serves. */
  const checkVendor = (actor: Actor, role: string | undefined): void => {
    if (!actsForVendor(definition.roles, role, actor.vendorId !== undefined)) return;
    if (!servesCase(input.vendorId, actor.vendorId)) {
      throw refusal('forbidden', `this case is not served by your organisation`, 'vendorId');
    }
  };

  const handleEvent = async (request: CaseEventRequest): Promise<CaseMessageResult> => {
    const earlier = earlierAnswer(request);
    if (earlier) return earlier;
    checkEvent(request);
    const at = request.at === undefined ? nowIso() : formatInstant(parseInstant(request.at, definition.utcOffset) as number, definition.utcOffset);
    const stateBefore = stateOf();
    const declaration = eventDeclaration(definition, request.type);
    const allowed = declaration?.recordedBy ?? definition.roles.map((role) => role.id);
    const held = caseRolesOf(definition, request.actor);
    const role = held.find((candidate) => allowed.includes(candidate)) ?? held[0] ?? 'unknown';
    let closed: ObligationRecord[];
    try {
      closed = step({ ...request.payload, type: request.type, at });
    } catch (error) {
      throw refusal('conflict', `the case in state "${stateBefore}" cannot take event "${request.type}": ${(error as Error).message}`, 'type');
    }
    const eventSeq = seq++;
    const records: CaseRecord[] = [
      {
        kind: 'eventAccepted',
        seq: eventSeq,
        at,
        recordedAt: nowIso(),
        requestId: request.requestId,
        actor: request.actor,
        role,
        type: request.type,
        // Confidential fields travel apart, for the read model to keep them where only their readers look.
        ...splitConfidential(definition, request.type, request.payload),
        stateBefore,
        stateAfter: stateOf(),
        final: isFinal(),
        attributes: snapshot.context.attributes,
        nextDueAt: nextDue(),
      },
      ...closedRecords(closed, at),
    ];
    const answer = result(request.requestId, eventSeq);
    answered[request.requestId] = { fingerprint: request.fingerprint, result: answer };
    await project(records);
    return answer;
  };

  const checkTaskDecision = (request: DecideCaseTaskRequest): void => {
    const task = tasks.find((candidate) => candidate.id === request.taskId);
    if (!task) throw refusal('invalid', `the case has no task "${request.taskId}"`, 'taskId');
    if (cancelled) throw refusal('conflict', `the case was cancelled; task "${task.id}" was withdrawn`, 'taskId');
    if (task.status !== 'open') throw refusal('conflict', `task "${task.id}" is already done`, 'taskId');
    if (!caseRolesOf(definition, request.actor).includes(task.role)) throw refusal('forbidden', `task "${task.id}" is for role "${task.role}"`, 'taskId');
    checkVendor(request.actor, task.role);
    if (typeof request.comment !== 'string' || request.comment.trim() === '') throw refusal('invalid', '"comment" must say what was done', 'comment');
  };

  const handleTaskDecision = async (request: DecideCaseTaskRequest): Promise<CaseMessageResult> => {
    const earlier = earlierAnswer(request);
    if (earlier) return earlier;
    checkTaskDecision(request);
    const index = tasks.findIndex((candidate) => candidate.id === request.taskId);
    const at = nowIso();
    const task: CaseTask = { ...(tasks[index] as CaseTask), status: 'done', decidedBy: request.actor.userId, decidedAt: at, comment: request.comment };
    tasks[index] = task;
    version++;
    const taskSeq = seq++;
    const answer = result(request.requestId, taskSeq);
    answered[request.requestId] = { fingerprint: request.fingerprint, result: answer };
    await project([{ kind: 'taskDecided', seq: taskSeq, at, task, actor: request.actor, requestId: request.requestId }]);
    return answer;
  };

  /** Only ops staff of the case's jurisdiction (or national ones) cancel, with a reason, a case still running. */
  const checkCancel = (request: CancelCaseRequest): void => {
    const { actor } = request;
    if (actor.vendorId !== undefined || !actor.roles.includes(OPS_ROLE) || !jurisdictionAllows(actor.jurisdiction, input.jurisdiction)) {
      throw refusal('forbidden', `only the "${OPS_ROLE}" role of jurisdiction "${input.jurisdiction}" may cancel this case`, 'actor');
    }
    if (typeof request.reason !== 'string' || request.reason.trim() === '') throw refusal('invalid', 'a cancellation must say why', 'reason');
    if (ended()) throw refusal('conflict', `the case has already ended (${statusOf()}, in state "${stateOf()}")`, 'workflowId');
  };

  const handleCancel = async (request: CancelCaseRequest): Promise<CaseMessageResult> => {
    const earlier = earlierAnswer(request);
    if (earlier) return earlier;
    checkCancel(request);
    cancelled = true;
    const at = nowIso();
    const withdrawn: string[] = [];
    for (const [index, task] of tasks.entries()) {
      if (task.status !== 'open') continue;
      tasks[index] = { ...task, status: 'withdrawn' };
      withdrawn.push(task.id);
    }
    version++;
    keepSearchAttributes();
    const cancelSeq = seq++;
    const answer = result(request.requestId, cancelSeq);
    answered[request.requestId] = { fingerprint: request.fingerprint, result: answer };
    await project([{ kind: 'cancelled', seq: cancelSeq, at, actor: request.actor, reason: request.reason, requestId: request.requestId, state: stateOf(), withdrawnTaskIds: withdrawn }]);
    return answer;
  };

  // A new Update needs no patch: no recorded history holds one, and until one arrives the workflow
  // issues exactly the commands it did before (test/unit/workflows/replay-case-histories.test.ts).
  setHandler(cancelCaseUpdate, handleCancel, {
    validator: (request) => {
      if (!earlierAnswer(request)) checkCancel(request);
    },
  });
  setHandler(caseEventUpdate, handleEvent, {
    validator: (request) => {
      if (!earlierAnswer(request)) checkEvent(request);
    },
  });
  setHandler(decideCaseTaskUpdate, handleTaskDecision, {
    validator: (request) => {
      if (!earlierAnswer(request)) checkTaskDecision(request);
    },
  });
  setHandler(caseStateQuery, (): CaseStateView => ({
    caseId: input.caseId,
    state: stateOf(),
    final: isFinal(),
    status: statusOf(),
    attributes: snapshot.context.attributes,
    obligations: obligationStatus(snapshot, definition),
    openPeriods: periodTimers(snapshot, definition).map(({ obligation, period, endsAt }) => ({ obligation, period, endsAt })),
    history: snapshot.context.history,
    breaches,
    tasks,
    acceptedEvents: cancelled ? [] : acceptedEvents(snapshot, definition).filter((type) => type !== 'period.elapsed'),
    seq,
  }));

  if (!input.resume) {
    await project([
      {
        kind: 'enrolled',
        seq: seq++,
        at: enrolledAt,
        actor: input.enrolledBy,
        lifecycle: input.lifecycle,
        ...(input.vendorId !== undefined ? { vendorId: input.vendorId } : {}),
        ...(input.contractId !== undefined ? { contractId: input.contractId } : {}),
        state: stateOf(),
        attributes: snapshot.context.attributes,
        nextDueAt: nextDue(),
      },
    ]);
  }

  keepSearchAttributes();

  const freshHistoryDue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (input.historyBound ?? DEFAULT_HISTORY_BOUND);
  };

  // Period ends: sleep until the earliest, waking early when an event changes the case.
  while (!ended()) {
    const seen = version;
    const next = periodTimers(snapshot, definition).sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt))[0];
    const changed = () => version !== seen || ended();
    if (!next) {
      await condition(changed);
      continue;
    }
    const wait = Date.parse(next.endsAt) - Date.now();
    if (wait > 0 && (await condition(changed, wait))) continue;
    const closed = step(next.event);
    const projected = project(closedRecords(closed, next.endsAt));
    // A period boundary is the quiet point to renew a long case's history.
    if (freshHistoryDue()) {
      await condition(allHandlersFinished);
      await projected;
      await tail;
      if (!ended() && allHandlersFinished()) {
        const kept = Object.entries(answered).slice(-ANSWERS_KEPT);
        return continueAsNew<typeof caseWorkflow>({
          ...input,
          enrolledAt,
          resume: { snapshot: JSON.parse(JSON.stringify(snapshot)) as never, seq, tasks, breaches, answered: Object.fromEntries(kept) },
        });
      }
    }
  }
  await condition(allHandlersFinished);
  await tail;
  return { state: stateOf(), status: statusOf() };
}

function splitConfidential(definition: SupervisionDefinition, type: string, payload: Readonly<Record<string, unknown>>) {
  const fields = eventDeclaration(definition, type)?.payload ?? [];
  const open: Record<string, unknown> = {};
  const confidential: Array<{ field: string; value: unknown; readableBy: string[] }> = [];
  for (const [key, value] of Object.entries(payload)) {
    const readableBy = fields.find((field) => field.id === key)?.confidential?.readableBy;
    if (readableBy) confidential.push({ field: key, value, readableBy: [...readableBy] });
    else open[key] = value;
  }
  return { payload: open, confidential };
}

function obligationOf(definition: SupervisionDefinition, state: string, obligation: string) {
  return definition.states.find((candidate) => candidate.id === state)?.obligations.find((candidate) => candidate.id === obligation);
}

function refusal(code: keyof typeof REFUSAL_ERROR_TYPES, message: string, field: string): ApplicationFailure {
  return ApplicationFailure.create({ type: REFUSAL_ERROR_TYPES[code], message, nonRetryable: true, details: [{ field }] });
}

/** The payload field a problem of `validateCaseEvent` names (`field of event "x" "hours" …`), else `payload`. */
function problemField(message: string): string {
  const match = /field of event "[^"]+" "([^"]+)"/.exec(message);
  return match ? `payload.${match[1]}` : 'payload';
}
