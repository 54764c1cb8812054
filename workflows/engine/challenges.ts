/**
 * Challenges (质疑) against a cycle's result, and what they do to its contracts' signing.
 *
 * - A bidder's staff file one within `selection.challenges.filing` after the result notice (Government
 *   Procurement Law art. 52); later, or before the notice, is refused 409; anyone else is refused 403.
 * - Filing opens a `challengeAnswer` task for `answeredBy`, due `answer.within` after the filing on the
 *   jurisdiction's calendar; missed, it escalates and the miss stays in the audit trail (art. 53).
 * - While a challenge the filer says may affect the result is open, the contracts' signing step cannot
 *   move and the clocks of its tasks stand still; they run on with the time they had once the last such
 *   challenge is answered (Implementing Regulations art. 54). The filer decides, not the answerer: the
 *   law suspends signing from the filing, before anyone has triaged it.
 * - A contract already signed is held too (art. 54: 已经签订合同的，应当中止履行合同): no task of it can
 *   be decided (so no payment is released), and every clock of it stops — its tasks' deadlines and its
 *   timers (ledger periods, waits) — to run on with the time each had once the last such challenge is
 *   answered. (Contract workflows from before this held only signing: the workflow says which it does.)
 * - Upheld, such a challenge voids the award: contracts still signing, or signed and held, end
 *   terminated, so the cycle ends and the purchaser procures again. Dismissed, signing or performance resumes.
 *
 * The cycle keeps the challenges (it knows the bidders); contracts keep their own hold, told by the cycle.
 */
import type { FieldDefinitionT, ProcedureStep } from '../../src/definitions/procedure/procedure.schema.js';
import { CalendarYearMissingError } from '../../src/definitions/calendars/business-calendar.js';
import { anchorKey, deadlineAfter } from './deadlines.js';
import { checkFields } from './fields.js';
import { checkActor, Refusal, type Run } from './run.js';
import { type Challenge, CHALLENGE_FINDINGS, type ChallengeFinding, type EngineEvent, type TaskInstance, type TimerPurpose } from './types.js';

type SelectionStep = Extract<ProcedureStep, { kind: 'vendorSelection' }>;
type ChallengeFiled = Extract<EngineEvent, { type: 'challengeFiled' }>;
type SigningChanged = Extract<EngineEvent, { type: 'signingChanged' }>;
type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** The form of an answer: what it found, and why (the filer reads both). */
export const CHALLENGE_ANSWER_FORM: readonly FieldDefinitionT[] = [
  { id: 'finding', title: { zh: '质疑答复结论', en: 'Finding' }, type: 'string', required: true, oneOf: [...CHALLENGE_FINDINGS] },
  { id: 'reasons', title: { zh: '答复理由', en: 'Reasons' }, type: 'string', required: true, minLength: 1, maxLength: 4000 },
];

function selectionStep(run: Run): SelectionStep | undefined {
  return run.definition.steps.find((step): step is SelectionStep => step.kind === 'vendorSelection');
}

/** Events a cycle takes while it waits for its contracts, not only while its own steps run. */
export function isChallengeEvent(run: Run, event: EngineEvent): boolean {
  if (event.type === 'challengeFiled' || event.type === 'contractEvent') return true;
  const taskId = event.type === 'taskDecided' ? event.taskId : event.type === 'timerFired' && event.timerId.startsWith('sla:') ? event.timerId.slice(4) : undefined;
  return taskId !== undefined && run.state.tasks.some((task) => task.id === taskId && task.kind === 'challengeAnswer');
}

/** Files a challenge: checks who files it and when, records it and opens the answer task. */
export function fileChallenge(run: Run, event: ChallengeFiled): void {
  run.requestId = event.requestId;
  const step = selectionStep(run);
  const rules = step?.selection.challenges;
  if (!step || !rules) {
    throw new Refusal('conflict', 'this procedure provides no challenges (its definition has no selection.challenges): it names no one to answer them');
  }
  const { actor } = event;
  if (actor.jurisdiction !== run.context.jurisdiction) {
    throw new Refusal('forbidden', `this cycle belongs to jurisdiction "${run.context.jurisdiction}"; you act for "${actor.jurisdiction}"`);
  }
  const bid = actor.vendorId === undefined ? undefined : run.state.bids.find((candidate) => candidate.vendorId === actor.vendorId);
  if (!bid) {
    throw new Refusal('forbidden', 'only the staff of a vendor that bid in this cycle may file a challenge (Government Procurement Law art. 52)');
  }
  if (run.state.status !== 'running' && run.state.status !== 'completed') {
    throw new Refusal('conflict', `this cycle has ended (${run.state.status}): there is no result left to challenge`);
  }
  if (!event.grounds.trim()) throw new Refusal('invalid', 'a challenge must state its grounds in writing', 'grounds');
  if ((run.state.challenges ?? []).some((c) => c.challengeId === event.challengeId)) {
    throw new Refusal('conflict', `challenge "${event.challengeId}" has already been filed`);
  }
  const noticeKey = anchorKey(rules.filing.after);
  const publishedAt = run.state.events?.[noticeKey];
  if (!publishedAt) {
    throw new Refusal('conflict', `challenges open when notice "${rules.filing.after.notice}" is published, which has not happened yet`);
  }
  const closesAt = deadlineOrRefuse(run, publishedAt, rules.filing.within, 'when the challenge period ends');
  if (Date.parse(event.at) > Date.parse(closesAt)) {
    throw new Refusal(
      'conflict',
      `the challenge period was open until ${closesAt} (${describeSpan(rules.filing.within)} after notice "${rules.filing.after.notice}" was published at ${publishedAt}); it has ended`,
    );
  }

  const answerDueAt = run.deadline(rules.answer.within, `the answer to challenge "${event.challengeId}"`);
  const task: TaskInstance = {
    id: `${event.challengeId}#1`,
    nodeId: event.challengeId,
    stepId: step.id,
    kind: 'challengeAnswer',
    role: rules.answeredBy,
    escalatedTo: [],
    title: { zh: `答复质疑（${bid.vendorName}）`, en: `Answer the challenge of ${bid.vendorName}` },
    openedAt: run.at,
    ...(answerDueAt ? { dueAt: answerDueAt, escalateTo: rules.answer.escalateTo, dueAfter: `challenge:${event.challengeId}` } : {}),
    status: 'open',
  };
  const challenge: Challenge = {
    challengeId: event.challengeId,
    vendorId: bid.vendorId,
    vendorName: bid.vendorName,
    filedBy: { userId: actor.userId, name: actor.name },
    filedAt: run.at,
    grounds: event.grounds,
    affectsResult: event.affectsResult,
    taskId: task.id,
    ...(answerDueAt ? { answerDueAt } : {}),
    status: 'open',
  };
  (run.state.challenges ??= []).push(challenge);
  run.recordEvent(`challenge:${event.challengeId}`);
  run.emit({ type: 'challengeRecorded', at: run.at, challenge, actor, ...(event.requestId ? { requestId: event.requestId } : {}) });
  run.state.tasks.push(task);
  run.emit({ type: 'taskOpened', task });
  if (task.dueAt) run.emit({ type: 'startTimer', timerId: `sla:${task.id}`, until: task.dueAt, purpose: 'sla' });
  if (challenge.affectsResult) {
    run.emit({ type: 'signContracts', at: run.at, challengeId: challenge.challengeId, change: 'suspend', reason: `challenge ${challenge.challengeId} by ${bid.vendorName} is open` });
  }
}

/** The answer to a challenge: upheld or dismissed, with reasons; it lifts or voids the signing it held. */
export function answerChallenge(run: Run, task: TaskInstance, event: TaskDecided): void {
  run.requestId = event.requestId;
  if (task.status !== 'open') throw new Refusal('conflict', `task "${task.title.zh}" is no longer open: it was ${task.status}`);
  checkActor(run, task, event.actor);
  if (event.outcome !== 'submit') throw new Refusal('invalid', `a challenge is answered with "submit" and a finding (${CHALLENGE_FINDINGS.join(' or ')}), not "${event.outcome}"`, 'outcome');
  const checked = checkFields(CHALLENGE_ANSWER_FORM, event.fields, 'fields');
  if (!checked.ok) throw new Refusal('invalid', checked.problems.map((p) => `${p.field} ${p.problem}`).join('; '), checked.problems[0]?.field);
  const finding = checked.values['finding'] as ChallengeFinding;
  const reasons = String(checked.values['reasons']).trim();
  if (!reasons) throw new Refusal('invalid', 'an answer must give its reasons', 'fields.reasons');
  const challenges = run.state.challenges ?? [];
  const challenge = challenges.find((candidate) => candidate.taskId === task.id);
  if (!challenge) throw new Error(`task "${task.id}" answers no challenge`);
  const answered: Challenge = { ...challenge, status: finding, answeredAt: run.at, answeredBy: event.actor.userId, reasons };
  run.state.challenges = challenges.map((candidate) => (candidate === challenge ? answered : candidate));
  run.closeTask(task, 'decided', { outcome: event.outcome, actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: checked.values });
  run.emit({ type: 'challengeRecorded', at: run.at, challenge: answered, actor: event.actor, ...(event.requestId ? { requestId: event.requestId } : {}) });
  if (!challenge.affectsResult) return;
  if (finding === 'upheld') {
    run.emit({ type: 'signContracts', at: run.at, challengeId: challenge.challengeId, change: 'void', reason: `challenge ${challenge.challengeId} was upheld: ${reasons}` });
  } else {
    run.emit({ type: 'signContracts', at: run.at, challengeId: challenge.challengeId, change: 'resume', reason: `challenge ${challenge.challengeId} was dismissed` });
  }
}

/** A contract's event, told to its cycle: recorded there for deadlines counted from it (the challenge period). */
export function recordContractEvent(run: Run, event: Extract<EngineEvent, { type: 'contractEvent' }>): void {
  (run.state.events ??= {})[event.key] = event.at;
}

/**
 * A contract told of a challenge. A contract still in its contractFiling step has its signing held:
 * suspending stops the clock of every open task of the step with time left; resuming, once no challenge
 * holds it, gives each the time it had. A contract past signing has its performance held instead
 * (`changePerformance`) when its workflow says it does; one from before that runs on.
 */
export function changeSigning(run: Run, event: SigningChanged): void {
  if (run.state.scope !== 'contract') throw new Refusal('invalid', 'only a contract signs');
  const signing = run.state.status === 'running' && run.step.kind === 'contractFiling';
  if (!signing && (event.holdsPerformance || run.state.performanceHold)) {
    changePerformance(run, event);
    return;
  }
  const hold = run.state.signingHold;
  switch (event.change) {
    case 'suspend': {
      if (!signing) return;
      if (hold) {
        if (!hold.challengeIds.includes(event.challengeId)) hold.challengeIds.push(event.challengeId);
        return;
      }
      const { remainingMs, paused } = stopTaskClocks(run, signingTasks(run), (task) => {
        if (task.escalateTo) run.emit({ type: 'cancelTimer', timerId: `sla:${task.id}` });
      });
      run.state.signingHold = { challengeIds: [event.challengeId], since: run.at, remainingMs };
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'suspend', reason: event.reason, tasks: paused });
      return;
    }
    case 'resume': {
      if (!hold || !hold.challengeIds.includes(event.challengeId)) return;
      const still = hold.challengeIds.filter((id) => id !== event.challengeId);
      if (still.length > 0) {
        run.state.signingHold = { ...hold, challengeIds: still };
        return;
      }
      delete run.state.signingHold;
      const resumed = restartTaskClocks(run, signingTasks(run), hold.remainingMs, (task, dueAt) => {
        if (task.escalateTo) run.emit({ type: 'startTimer', timerId: `sla:${task.id}`, until: dueAt, purpose: 'sla' });
      });
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'resume', reason: event.reason, tasks: resumed });
      return;
    }
    case 'void': {
      if (!signing) return;
      delete run.state.signingHold;
      const withdrawn = run.openTasks();
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'void', reason: event.reason, tasks: withdrawn });
      for (const task of withdrawn) run.closeTask(task, 'withdrawn');
      run.state.nodeId = null;
      run.finish('terminated', event.reason);
      return;
    }
  }
}

/**
 * A signed contract told of a challenge that may affect the result (Implementing Regulations art. 54).
 * Suspend: every open task's deadline and every pending timer stop, each keeping the time it had left, so
 * nothing of the contract moves and no payment is released. Resume, once no challenge holds it: each runs
 * on from now with that time. Void (upheld): the held contract ends terminated, its open tasks withdrawn,
 * as a contract still signing does. A contract not held by the challenge ignores its resume or void.
 */
export function changePerformance(run: Run, event: SigningChanged): void {
  const hold = run.state.performanceHold;
  const running = run.state.status === 'running';
  switch (event.change) {
    case 'suspend': {
      if (!running) return;
      if (hold) {
        if (!hold.challengeIds.includes(event.challengeId)) hold.challengeIds.push(event.challengeId);
        return;
      }
      if (!event.holdsPerformance) return;
      const { remainingMs, paused } = stopTaskClocks(run, run.openTasks());
      // Every timer stops, one about to fire too: it fires after the resumption, never during the hold.
      const timersMs: Record<string, number> = {};
      for (const [timerId, until] of Object.entries(event.holdsPerformance.timers).sort(([a], [b]) => a.localeCompare(b))) {
        timersMs[timerId] = Math.max(0, Date.parse(until) - Date.parse(run.at));
        run.emit({ type: 'cancelTimer', timerId });
      }
      run.state.performanceHold = { challengeIds: [event.challengeId], since: run.at, remainingMs, timersMs };
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'suspend', reason: event.reason, tasks: paused, held: 'performance' });
      return;
    }
    case 'resume': {
      if (!hold || !hold.challengeIds.includes(event.challengeId)) return;
      const still = hold.challengeIds.filter((id) => id !== event.challengeId);
      if (still.length > 0) {
        run.state.performanceHold = { ...hold, challengeIds: still };
        return;
      }
      delete run.state.performanceHold;
      const resumed = restartTaskClocks(run, run.openTasks(), hold.remainingMs);
      for (const [timerId, left] of Object.entries(hold.timersMs)) {
        run.emit({ type: 'startTimer', timerId, until: new Date(Date.parse(run.at) + left).toISOString(), purpose: timerPurpose(timerId) });
      }
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'resume', reason: event.reason, tasks: resumed, held: 'performance' });
      return;
    }
    case 'void': {
      if (!hold || !hold.challengeIds.includes(event.challengeId) || !running) return;
      delete run.state.performanceHold;
      const withdrawn = run.openTasks();
      run.emit({ type: 'signingChanged', at: run.at, challengeId: event.challengeId, change: 'void', reason: event.reason, tasks: withdrawn, held: 'performance' });
      for (const task of withdrawn) run.closeTask(task, 'withdrawn');
      run.state.nodeId = null;
      run.finish('terminated', event.reason);
      return;
    }
  }
}

/**
 * Stops the clock of each of `tasks` that has time left, keeping that time; `onStopped` runs for each, in
 * order (to cancel its escalation timer). A task already past its deadline has escalated: there is no
 * clock left to stop.
 */
function stopTaskClocks(run: Run, tasks: readonly TaskInstance[], onStopped?: (task: TaskInstance) => void): { remainingMs: Record<string, number>; paused: TaskInstance[] } {
  const remainingMs: Record<string, number> = {};
  const paused: TaskInstance[] = [];
  for (const task of tasks) {
    if (!task.dueAt) continue;
    const left = Date.parse(task.dueAt) - Date.parse(run.at);
    if (left <= 0) continue;
    remainingMs[task.id] = left;
    onStopped?.(task);
    const { dueAt: _stopped, ...rest } = task;
    paused.push(rest);
  }
  replaceTasks(run, paused);
  return { remainingMs, paused };
}

/** Restarts the clocks `stopTaskClocks` stopped, each due its remaining time from now; the tasks restarted. */
function restartTaskClocks(run: Run, tasks: readonly TaskInstance[], remainingMs: Readonly<Record<string, number>>, onRestarted?: (task: TaskInstance, dueAt: string) => void): TaskInstance[] {
  const resumed: TaskInstance[] = [];
  for (const task of tasks) {
    const left = remainingMs[task.id];
    if (left === undefined) continue;
    const dueAt = new Date(Date.parse(run.at) + left).toISOString();
    resumed.push({ ...task, dueAt });
    onRestarted?.(task, dueAt);
  }
  replaceTasks(run, resumed);
  return resumed;
}

/** Refuses any decision of a contract whose performance a challenge holds, naming the challenge. */
export function checkPerformanceHold(run: Run, task: TaskInstance): void {
  const hold = run.state.performanceHold;
  if (!hold) return;
  throw new Refusal(
    'conflict',
    `performance of this contract is suspended since ${hold.since} while challenge ${hold.challengeIds.join(', ')} is open (Implementing Regulations art. 54): "${task.title.zh}" can be decided once it is answered`,
  );
}

/** The purpose of a timer, from its id's prefix (`sla:`, `wait:`, `ledger:`, `bidding:`). */
function timerPurpose(timerId: string): TimerPurpose {
  const prefix = timerId.slice(0, timerId.indexOf(':'));
  return prefix === 'ledger' ? 'ledgerPeriod' : prefix === 'sla' || prefix === 'wait' || prefix === 'bidding' ? prefix : 'wait';
}

/** Refuses a decision in a signing step held by a challenge, naming the challenge. */
export function checkSigningHold(run: Run, task: TaskInstance): void {
  const hold = run.state.signingHold;
  if (!hold || task.stepId !== run.step.id || run.step.kind !== 'contractFiling') return;
  throw new Refusal(
    'conflict',
    `signing is suspended since ${hold.since} while challenge ${hold.challengeIds.join(', ')} is open (Implementing Regulations art. 54): "${task.title.zh}" can be decided once it is answered`,
  );
}

function signingTasks(run: Run): TaskInstance[] {
  return run.openTasks().filter((task) => task.stepId === run.step.id);
}

/** Puts changed tasks in place and projects them (a task opened again updates its row). */
function replaceTasks(run: Run, changed: readonly TaskInstance[]): void {
  const byId = new Map(changed.map((task) => [task.id, task]));
  run.state.tasks = run.state.tasks.map((task) => byId.get(task.id) ?? task);
  for (const task of changed) run.emit({ type: 'taskOpened', task });
}

function deadlineOrRefuse(run: Run, from: string, span: Parameters<typeof deadlineAfter>[2], what: string): string {
  try {
    return deadlineAfter(run.context, from, span);
  } catch (error) {
    if (error instanceof CalendarYearMissingError) throw new Refusal('conflict', `cannot tell ${what}: ${error.message}`);
    throw error;
  }
}

function describeSpan(span: Parameters<typeof deadlineAfter>[2]): string {
  return typeof span === 'string' ? span : `${span.businessDays} working days`;
}
