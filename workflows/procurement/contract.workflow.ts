import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, getExternalWorkflowHandle, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { decide, startEngine } from '../engine/interpreter.js';
import { caseEvidenceQuery } from '../engine/nodes/ledger-periods.js';
import type { EngineContext, EngineState } from '../engine/types.js';
import {
  cancelContractSignal,
  type ContractInput,
  contractEventSignal,
  type DecideTaskRequest,
  decideTaskUpdate,
  rebuildReadModelUpdate,
  repairTaskUpdate,
  type MessageResult,
  REFUSAL_ERROR_TYPES,
  signingChangedSignal,
  workflowSnapshotQuery,
} from './messages.js';
import { ACTIVITY_PROFILES } from '../shared/activity-profiles.js';
import { cancelEvent, decisionEvent, REBUILD_PATCH, repairEvent, ScopeRunner } from './scope-runner.js';

const { compileCaseEvidence } = proxyActivities<Activities>(ACTIVITY_PROFILES.readModelQuery);

/**
 * One awarded vendor's contract: contract filing, performance management and payment release, as
 * the cycle's definition says. Runs for the contract's whole term; pays each tranche exactly once.
 */
export async function contractWorkflow(input: ContractInput): Promise<{ status: EngineState['status']; paidFen: number }> {
  const { workflowId } = workflowInfo();
  // Evaluations go into the vendor's performance history; runs recorded before that replay without it.
  const recordsEvaluations = patched('evaluation-follows-vendor');
  // Contracts recorded before the term held the performance step complete their ledger periods at the last confirmation.
  const context: EngineContext = {
    definition: input.definition,
    calendars: input.calendars,
    jurisdiction: input.jurisdiction,
    ...(recordsEvaluations ? { recordsEvaluations } : {}),
    ...(patched('ledger-periods-hold-the-term') ? {} : { termEndsAtLastLedger: true }),
    ...(patched('ledger-due-not-before-it-opens') ? {} : { ledgerDueFromDueDayOnly: true }),
    // Contracts recorded before a fund's tranches were capped at its share, or before the last of the money waited for the term, pay as they did.
    ...(patched('tranche-within-its-fund') ? {} : { tranchesUncappedByFund: true }),
    ...(patched('final-money-after-the-term') ? {} : { fullPaymentBeforeTerm: true }),
    // Contracts recorded before each period's ledger opened at its own time open them in turn.
    ...(patched('ledger-periods-open-on-their-own') ? {} : { ledgerPeriodsInTurn: true }),
    // Contracts recorded before the evaluator's role was the decider's name the evaluation task's role.
    ...(patched('evaluator-role-of-decider') ? {} : { evaluatorRoleOfTask: true }),
    // Contracts recorded before the funds' shares added up to the contract round each share down on its own.
    ...(patched('fund-shares-add-up-to-the-contract') ? {} : { fundSharesRoundedDown: true }),
    // Contracts recorded before ledgers were compiled from case evidence at submission hold their case lines at 0.
    ...(patched('ledger-from-case-evidence') ? {} : { caseLinesHoldZero: true }),
  };
  const started = input.resume
    ? undefined
    : startEngine(context, { scope: 'contract', cycleValues: input.cycleValues, winner: input.winner, ...(input.cycleEvents ? { cycleEvents: input.cycleEvents } : {}) }, new Date().toISOString());
  if (started && !started.ok) throw ApplicationFailure.create({ type: REFUSAL_ERROR_TYPES[started.code], message: started.message, nonRetryable: true });
  const runner = new ScopeRunner(context, { workflowId, cycleId: input.cycleId, contractId: input.contractId }, (started?.state ?? input.resume?.state) as EngineState, input.resume);
  runner.keepSearchAttributes();

  setHandler(workflowSnapshotQuery, () => ({
    status: runner.state.status,
    stepId: runner.state.status === 'running' ? (input.definition.steps[runner.state.stepIndex]?.id ?? null) : null,
    nodeId: runner.state.nodeId,
    openTasks: runner.state.tasks.filter((t) => t.status === 'open'),
    biddingOpen: false,
    pendingTimers: runner.timers,
    contracts: [],
    values: runner.state.values,
    bids: runner.state.bids,
    ...(runner.state.endReason ? { endReason: runner.state.endReason } : {}),
  }));
  setHandler(decideTaskUpdate, (request) => decideWithCaseEvidence(request), {
    validator: (request) => runner.validate(request, { ...decisionEvent(request), caseEvidence: 'pending' }),
  });

  /**
   * A decision, with the contract's case evidence when it submits a ledger with case lines: the lines are
   * counted as of the submission instant by an activity, whose answer is recorded in history and carried
   * by the event, so the engine stays pure and a replay decides the same.
   */
  async function decideWithCaseEvidence(request: DecideTaskRequest): Promise<MessageResult> {
    const event = decisionEvent(request);
    const query = runner.earlierAnswer(request) ? undefined : caseEvidenceQuery(context, runner.state, request.taskId);
    if (!query) return runner.handle(request, event);
    const caseEvidence = await compileCaseEvidence({ contractId: input.contractId, from: query.from, through: event.at, lines: query.lines });
    return runner.handle(request, { ...event, caseEvidence });
  }
  // The cycle checked the cancellation before it signalled; a contract that has already ended ignores it.
  // A new handler adds nothing to histories recorded without it, so it needs no patch.
  setHandler(repairTaskUpdate, (request) => runner.handle(request, repairEvent(request)), {
    validator: (request) => runner.validate(request, repairEvent(request)),
  });
  // Ops staff rebuild a damaged or lagging read model from the contract's state (see the cycle workflow for the patch).
  setHandler(
    rebuildReadModelUpdate,
    (request) => {
      patched(REBUILD_PATCH);
      return runner.rebuild(request, runner.state.status);
    },
    { validator: (request) => runner.validateRebuild(request) },
  );
  setHandler(cancelContractSignal, (request) => {
    const decision = decide(context, runner.state, cancelEvent(request));
    if (decision.ok) void runner.accept(decision);
  });

  // The cycle counts its challenge period from the result notice, which a contract publishes: it is told
  // before the decision that published it is answered. (Histories recorded before this told nobody.)
  runner.relay = (commands) => {
    const notices = commands.flatMap((command) => (command.type === 'publishNotice' ? [command] : []));
    if (notices.length === 0 || !patched('contract-tells-cycle-of-notices')) return undefined;
    const cycle = getExternalWorkflowHandle(input.cycleId);
    return (async () => {
      for (const notice of notices) await cycle.signal(contractEventSignal, { key: `notice:${notice.noticeId}`, at: notice.at });
    })();
  };
  // A challenge that may affect the result holds signing (Implementing Regulations art. 54); one that has ended changes nothing.
  // A contract already signed has its performance held too, every pending timer stopped: the engine is told
  // which timers run (histories recorded before this let a signed contract run on).
  setHandler(signingChangedSignal, (message) => {
    const holdsPerformance = patched('challenge-holds-performance') ? { holdsPerformance: { timers: { ...runner.timers } } } : {};
    const decision = decide(context, runner.state, { type: 'signingChanged', at: new Date().toISOString(), ...message, ...holdsPerformance });
    if (decision.ok) void runner.accept(decision);
  });

  if (started?.ok) {
    const projected = runner.project(started.commands);
    const relayed = runner.relay(started.commands);
    await (relayed ? Promise.all([projected, relayed]) : projected);
  }
  if ((await runner.runUntilEnded()) === 'continueAsNew') {
    // Contracts run for years of monthly ledgers: their history is renewed, their state carried over.
    return continueAsNew<typeof contractWorkflow>({ ...input, resume: runner.resumeState() });
  }
  await condition(allHandlersFinished);
  return { status: runner.state.status, paidFen: runner.state.paidFen };
}
