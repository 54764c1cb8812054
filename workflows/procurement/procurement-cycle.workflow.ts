import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  TerminatedFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { ACTIVITY_PROFILES } from '../shared/activity-profiles.js';
import { cancelAwardedCycle, concludeCycle, decide, startEngine } from '../engine/interpreter.js';
import type { EngineContext, EngineState } from '../engine/types.js';
import { contractWorkflow } from './contract.workflow.js';
import {
  cancelContractSignal,
  cancelCycleUpdate,
  contractEventSignal,
  type ContractSummary,
  decideTaskUpdate,
  rebuildReadModelUpdate,
  repairTaskUpdate,
  fileChallengeUpdate,
  type ProcurementCycleInput,
  REFUSAL_ERROR_TYPES,
  signingChangedSignal,
  submitBidUpdate,
  workflowSnapshotQuery,
} from './messages.js';
import { bidEvent, cancelEvent, challengeEvent, decisionEvent, REBUILD_PATCH, refusalOf, repairEvent, ScopeRunner } from './scope-runner.js';
import { startSearchAttributes } from '../search-attributes.js';

const { recordCycleLaunched, recordBid, recordContractStarted } = proxyActivities<Activities>(ACTIVITY_PROFILES.projection);

/**
 * One procurement cycle: runs budgeting, public notice and vendor selection as its definition says,
 * then one contract workflow per awarded vendor, and ends when every contract has ended. The
 * definition version is the one passed in at launch, for the cycle's whole life.
 */
export async function procurementCycleWorkflow(input: ProcurementCycleInput): Promise<{ status: string; contracts: ContractSummary[] }> {
  const { workflowId } = workflowInfo();
  const context: EngineContext = { definition: input.definition, calendars: input.calendars, jurisdiction: input.jurisdiction };
  let initial: EngineState | undefined;
  let firstCommands: Parameters<ScopeRunner['project']>[0] = [];
  if (!input.resume) {
    const started = startEngine(context, { scope: 'cycle', inputs: input.inputs }, new Date().toISOString());
    // The API validates inputs against the same interpreter before launching, so this is a definition fault.
    if (!started.ok) throw ApplicationFailure.create({ type: REFUSAL_ERROR_TYPES[started.code], message: started.message, nonRetryable: true });
    initial = started.state;
    firstCommands = started.commands;
  }
  const runner = new ScopeRunner(context, { workflowId, cycleId: input.cycleId }, (initial ?? input.resume?.state) as EngineState, input.resume);
  runner.keepSearchAttributes();
  const searchable = runner.keepsSearchAttributes;
  const contracts: ContractSummary[] = [...(input.resume?.contracts ?? [])];
  /** Set once the cycle has concluded after its contracts ended (until then a completed cycle is `awarded`). */
  let cycleConcluded = false;
  if (!input.resume) {
    // Recorded before anything else is projected, so no projection can arrive for an unknown cycle.
    void runner.enqueue(() =>
      recordCycleLaunched({
        cycleId: input.cycleId,
        definition: input.definitionRef,
        jurisdiction: input.jurisdiction,
        title: input.title ?? input.definition.metadata.title,
        inputs: runner.state.values.inputs,
        launchedBy: input.launchedBy,
        launchedAt: new Date().toISOString(),
      }),
    );
  }

  setHandler(workflowSnapshotQuery, () => ({
    status: runner.state.status === 'completed' && contracts.some((c) => c.status === 'running') ? 'awaitingContracts' : runner.state.status,
    stepId: runner.state.status === 'running' ? (input.definition.steps[runner.state.stepIndex]?.id ?? null) : null,
    nodeId: runner.state.nodeId,
    openTasks: runner.state.tasks.filter((t) => t.status === 'open'),
    biddingOpen: runner.state.biddingOpen,
    pendingTimers: runner.timers,
    contracts,
    values: runner.state.values,
    bids: runner.state.bids,
    ...(runner.state.endReason ? { endReason: runner.state.endReason } : {}),
  }));
  setHandler(decideTaskUpdate, (request) => runner.handle(request, decisionEvent(request)), {
    validator: (request) => runner.validate(request, decisionEvent(request)),
  });
  setHandler(
    submitBidUpdate,
    async (request) => {
      // The bid is recorded in line with the cycle's projections, so the award that scores it always finds it.
      return runner.handle(request, bidEvent(request), () => {
        const accepted = runner.state.bids.find((b) => b.bidId === request.bidId);
        if (!accepted) return undefined;
        const record = { cycleId: input.cycleId, round: runner.state.values.selection?.round ?? 1, bid: accepted, requestId: request.requestId };
        return () => recordBid(record);
      });
    },
    { validator: (request) => runner.validate(request, bidEvent(request)) },
  );
  // Once the cycle's own steps are over, cancelling it cancels its running contracts: the same rules
  // apply (cancelAwardedCycle), and the cancellation is projected for the audit trail like any other.
  const awaitingContracts = () => runner.state.status === 'completed' && contracts.some((c) => c.status === 'running');
  setHandler(
    cancelCycleUpdate,
    async (request) => {
      if (!awaitingContracts()) return runner.handle(request, cancelEvent(request));
      const earlier = runner.earlierAnswer(request);
      if (earlier) return earlier;
      const decision = cancelAwardedCycle(context, runner.state, cancelEvent(request));
      if (!decision.ok) throw refusalOf(decision);
      const projected = runner.accept(decision);
      const answer = runner.remember(request);
      for (const contract of contracts.filter((c) => c.status === 'running')) {
        await getExternalWorkflowHandle(contract.contractId).signal(cancelContractSignal, request);
      }
      await projected;
      return answer;
    },
    {
      validator: (request) => {
        if (!awaitingContracts()) return runner.validate(request, cancelEvent(request));
        if (runner.earlierAnswer(request)) return;
        const decision = cancelAwardedCycle(context, runner.state, cancelEvent(request));
        if (!decision.ok) throw refusalOf(decision);
      },
    },
  );

  // Challenges (质疑): filed by bidders, answered by a task of the cycle; one that may affect the result
  // holds the running contracts' signing, and they are told before the update that changed it is answered.
  // A new handler adds nothing to histories recorded without it, so it needs no patch.
  setHandler(repairTaskUpdate, (request) => runner.handle(request, repairEvent(request)), {
    validator: (request) => runner.validate(request, repairEvent(request)),
  });
  // Ops staff rebuild a damaged or lagging read model from the cycle's state. Behind a patch like every
  // workflow change: the marker records in history that this run took a rebuild; runs that never get the
  // update carry nothing new, so recorded histories replay unchanged.
  setHandler(
    rebuildReadModelUpdate,
    (request) => {
      patched(REBUILD_PATCH);
      // The cycle's own steps are over while its contracts run: the read model calls that `awarded` until the cycle concludes.
      return runner.rebuild(request, runner.state.status === 'completed' && !cycleConcluded ? 'awarded' : runner.state.status);
    },
    { validator: (request) => runner.validateRebuild(request) },
  );
  setHandler(fileChallengeUpdate, (request) => runner.handle(request, challengeEvent(request)), {
    validator: (request) => runner.validate(request, challengeEvent(request)),
  });
  setHandler(contractEventSignal, (message) => {
    const decision = decide(context, runner.state, { type: 'contractEvent', at: message.at, key: message.key });
    if (decision.ok) void runner.accept(decision);
  });
  runner.relay = (commands) => {
    const changes = commands.flatMap((command) => (command.type === 'signContracts' ? [command] : []));
    if (changes.length === 0) return undefined;
    return (async () => {
      for (const change of changes) {
        for (const contract of contracts.filter((c) => c.status === 'running')) {
          await getExternalWorkflowHandle(contract.contractId).signal(signingChangedSignal, { challengeId: change.challengeId, change: change.change, reason: change.reason });
        }
      }
    })();
  };

  await runner.project(firstCommands);
  if ((await runner.runUntilEnded()) === 'continueAsNew') {
    return continueAsNew<typeof procurementCycleWorkflow>({ ...input, resume: { ...runner.resumeState(), contracts } });
  }

  if (runner.state.status === 'completed' && contracts.length === 0) {
    const winners = runner.state.winners;
    const handles = await Promise.all(
      winners.map(async (winner) => {
        const contractId = `${input.cycleId}/contract/${winner.vendorId}`;
        contracts.push({ contractId, vendorId: winner.vendorId, vendorName: winner.vendorName, amountFen: winner.amountFen, status: 'running' });
        const startedAt = new Date().toISOString();
        await runner.enqueue(() => recordContractStarted({ contractId, cycleId: input.cycleId, winner, startedAt }));
        return startChild(contractWorkflow, {
          workflowId: contractId,
          // A contract is searchable as its cycle is (the cycle started with the attributes, so the server has them).
          ...(searchable ? { typedSearchAttributes: startSearchAttributes({ kind: 'contract', jurisdiction: input.jurisdiction, definitionKey: input.definitionRef.key }) } : {}),
          args: [{ cycleId: input.cycleId, contractId, definition: input.definition, calendars: input.calendars, jurisdiction: input.jurisdiction, cycleValues: runner.state.values, cycleEvents: runner.state.events ?? {}, winner }],
        });
      }),
    );
    // A challenge filed before the contracts started (a result notice the cycle itself published) holds them too.
    for (const challenge of (runner.state.challenges ?? []).filter((c) => c.status === 'open' && c.affectsResult)) {
      for (const contract of contracts) {
        await getExternalWorkflowHandle(contract.contractId).signal(signingChangedSignal, { challengeId: challenge.challengeId, change: 'suspend', reason: `challenge ${challenge.challengeId} by ${challenge.vendorName} is open` });
      }
    }
    // The deadlines of challenges answered while the contracts run (histories from before challenges had none).
    let contractsEnded = false;
    const challengeTimers = patched('cycle-challenge-timers') ? runner.runTimersWhile(() => !contractsEnded) : undefined;
    await Promise.all(
      handles.map(async (handle, index) => {
        const outcome = await handle.result().catch((error: unknown) => {
          // Ops staff terminated the contract (its workflow could not run any more): the cycle goes on
          // to conclude `terminated` rather than fail with it. Before the patch the cycle failed too.
          if (error instanceof ChildWorkflowFailure && error.cause instanceof TerminatedFailure && patched('cycle-survives-terminated-contract')) {
            return { status: 'terminated' as const };
          }
          throw error;
        });
        const summary = contracts[index];
        if (summary) contracts[index] = { ...summary, status: outcome.status };
      }),
    );
    contractsEnded = true;
    if (challengeTimers) await challengeTimers;
    const statuses = contracts.map((c) => c.status);
    const final = statuses.every((s) => s === 'cancelled') ? 'cancelled' : statuses.every((s) => s === 'completed') ? 'completed' : 'terminated';
    const concluded = concludeCycle(context, { ...runner.state, status: 'running' }, new Date().toISOString(), final, final === 'completed' ? undefined : `contracts ended: ${statuses.join(', ')}`);
    if (concluded.ok) {
      cycleConcluded = true;
      await runner.accept(concluded);
    }
  }
  await condition(allHandlersFinished);
  return { status: runner.state.status, contracts };
}
