import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CalendarDefinition } from '../../../../src/definitions/calendars/calendar.schema.js';
import type { ProcedureDefinition, ServiceType } from '../../../../src/definitions/procedure/procedure.schema.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import type { CycleEntity } from '../../../../src/persistence/entities/cycle.entity.js';
import { checkFields } from '../../../../workflows/engine/fields.js';
import { startEngine } from '../../../../workflows/engine/interpreter.js';
import { type Actor, BIDDING_ROLES, type EngineContext } from '../../../../workflows/engine/types.js';
import type { ProcurementCycleInput } from '../../../../workflows/procurement/messages.js';
import { actorOf } from '../common/actor.js';
import { ConflictError, type DomainError, type FieldProblem, ForbiddenError, NotFoundError, ValidationError } from '../common/domain-errors.js';
import { DefinitionsRepository } from '../definitions/definitions.repository.js';
import { type CycleMemo, ProcurementWorkflowsGateway } from '../procurement/procurement-workflows.gateway.js';
import { visibleCycleDetail } from '../access/read-access.js';
import { toTaskDto } from '../tasks/tasks.service.js';
import { taskRowId } from '../../../../activities/procurement-projections.js';
import { type QualificationRequirement, qualificationRequirements } from '../../../../src/vendors/qualification.js';
import { VendorIneligibleError, VendorsService } from '../vendors/vendors.service.js';
import type {
  CancelCycleDto,
  CancelledCycleDto,
  CycleDetailDto,
  CycleLinksDto,
  CycleListDto,
  CycleSummaryDto,
  FileChallengeDto,
  FiledChallengeDto,
  LaunchCycleDto,
  LaunchedCycleDto,
  ListCyclesQueryDto,
  LiveStateDto,
  ReadModelLagDto,
  SubmitBidDto,
  SubmittedBidDto,
} from './cycles.dto.js';
import { CyclesRepository } from './cycles.repository.js';
import { describeLiveState } from './live-state.js';

const DEFAULT_PAGE = 50;

/** A cycle the caller may see, as the read model has it or, just after launch, as Temporal has it. */
interface LocatedCycle {
  readonly id: string;
  readonly jurisdiction: string;
  readonly row: CycleEntity | null;
}

/**
 * Procurement cycles: launching one (the definition version pinned, its inputs checked by the same
 * interpreter the workflow runs, before anything starts), reading them from the read model with the
 * workflow's live state, cancelling them and handing in bids. Every command is an update the workflow
 * judges; a refused command leaves nothing written and nothing in the workflow's history.
 */
@Injectable()
export class CyclesService {
  constructor(
    private readonly repository: CyclesRepository,
    private readonly definitions: DefinitionsRepository,
    private readonly workflows: ProcurementWorkflowsGateway,
    private readonly vendors: VendorsService,
  ) {}

  async launch(user: Identity, body: LaunchCycleDto): Promise<LaunchedCycleDto> {
    // A procedure launches only in its own jurisdiction, the caller's: its calendars are read meanwhile.
    const calendarsRead = this.calendarsFor(user.jurisdiction);
    calendarsRead.catch(() => undefined);
    const version = await this.procedureVersion(user, body.definitionKey, body.version);
    const definition = version.compiled as unknown as ProcedureDefinition;
    const jurisdiction = definition.metadata.jurisdiction.code;
    if (jurisdiction !== user.jurisdiction) {
      throw new ForbiddenError(
        `"${version.key}" is a procedure of ${definition.metadata.jurisdiction.name} (${jurisdiction}); you act for "${user.jurisdiction}": only its own jurisdiction launches its cycles.`,
        [{ field: 'definitionKey', problem: `belongs to jurisdiction "${jurisdiction}", not yours ("${user.jurisdiction}")` }],
      );
    }
    const calendars = await calendarsRead;
    const context: EngineContext = { definition, calendars, jurisdiction };

    // The workflow starts with the very same interpreter: what it would refuse is refused here, before anything starts.
    const started = startEngine(context, { scope: 'cycle', inputs: body.inputs }, new Date().toISOString());
    if (!started.ok) throw inputsRefused(definition, body.inputs, started);

    const cycleId = body.requestId ? cycleIdFor(user, body.requestId) : `cycle-${randomUUID()}`;
    const title = body.title ? { zh: body.title, en: body.title } : { zh: definition.metadata.title.zh, en: definition.metadata.title.en };
    const definitionRef = { key: version.key, version: version.version, contentHash: version.contentHash };
    const inputs = { ...started.state.values.inputs };
    const launchedBy: Actor = actorOf(user);
    const input: ProcurementCycleInput = { cycleId, definition, definitionRef, calendars, jurisdiction, inputs, launchedBy, title };
    const memo: CycleMemo = { jurisdiction, definitionKey: version.key, definitionVersion: version.version, title, launchedBy: user.userId };
    const created = await this.workflows.startCycle(input, memo);

    return {
      cycleId,
      created,
      jurisdiction,
      title,
      definition: { ...definitionRef, serviceType: definition.metadata.serviceType },
      inputs,
      firstStep: definition.steps[0]?.id ?? '',
      incidents: started.commands.flatMap((command) => (command.type === 'incident' ? [command.message] : [])),
      links: cycleLinks(cycleId),
    };
  }

  /** Cycles of the caller's jurisdiction (every jurisdiction's for national users), newest first. */
  async list(user: Identity, query: ListCyclesQueryDto): Promise<CycleListDto> {
    const { listings, total } = await this.repository.list({
      ...(user.jurisdiction === NATIONAL_JURISDICTION ? {} : { jurisdiction: user.jurisdiction }),
      ...(query.status ? { status: query.status } : {}),
      ...(query.definitionKey ? { definitionKey: query.definitionKey } : {}),
      ...(query.serviceType ? { serviceType: query.serviceType } : {}),
      ...(query.step ? { stepId: query.step } : {}),
      limit: query.limit ?? DEFAULT_PAGE,
      offset: query.offset ?? 0,
    });
    return { total, cycles: listings.map(({ cycle, openTasks, contractSteps, serviceType }) => toSummary(cycle, openTasks, contractSteps, serviceType)) };
  }

  async detail(user: Identity, id: string): Promise<CycleDetailDto> {
    const located = await this.locate(user, id);
    if (!located.row) return this.pendingDetail(located);
    // The row as of the same snapshot as the records: a projection committed since `locate` shows in both.
    const { cycle: row, records } = await this.repository.snapshot(id);
    const cycle = row ?? located.row;
    const version = await this.definitions.findVersion(cycle.definitionKey, cycle.definitionVersion);
    const definition = version?.compiled as ProcedureDefinition | undefined;
    const stepTitle = (stepId: string) => {
      const step = definition?.steps.find((candidate) => candidate.id === stepId);
      return step ? { zh: step.title.zh, en: step.title.en } : null;
    };
    const cycleView = { id, title: cycle.title, definitionKey: cycle.definitionKey, definitionVersion: cycle.definitionVersion, jurisdiction: cycle.jurisdiction };
    const tasks = records.tasks.map((task) => toTaskDto({ task, cycle: cycleView }));
    const running = cycle.status === 'running' || cycle.status === 'awarded';
    const runningContracts = records.contracts.filter((contract) => contract.status === 'running').map((contract) => contract.id);
    const [live, readModelLag] = running ? await Promise.all([this.live(id, definition), this.readModelLag([id, ...runningContracts])]) : [{ live: null }, null];

    const full: CycleDetailDto = {
      ...toSummary(
        cycle,
        tasks.filter((task) => task.status === 'open').length,
        [...new Set(records.contracts.filter((c) => c.status === 'running' && c.currentStep).map((c) => c.currentStep as string))],
        version?.serviceType ?? null,
      ),
      inputs: cycle.inputs,
      readModel: readModelLag ? 'behind' : 'current',
      readModelLag,
      selection: {
        method: cycle.selectionMethod,
        round: cycle.biddingRound,
        biddingOpen: cycle.biddingOpen,
        biddingUntil: iso(cycle.biddingUntil),
        bidsReceived: cycle.bidsReceived,
        bidsQualified: cycle.bidsQualified,
        awardedAt: iso(cycle.awardedAt),
      },
      steps: records.steps.map((step) => ({
        workflowId: step.workflowId,
        contractId: step.contractId,
        stepId: step.stepId,
        kind: step.kind,
        title: stepTitle(step.stepId),
        enteredAt: step.enteredAt.toISOString(),
        endedAt: iso(step.endedAt),
        outcome: step.outcome,
      })),
      tasks: { open: tasks.filter((task) => task.status === 'open'), closed: tasks.filter((task) => task.status !== 'open') },
      contracts: records.contracts.map((contract) => ({
        id: contract.id,
        vendorId: contract.vendorId,
        vendorName: contract.vendorName,
        amountFen: contract.amountFen,
        status: contract.status,
        currentStep: contract.currentStep,
        startedAt: contract.startedAt.toISOString(),
        endedAt: iso(contract.endedAt),
        endReason: contract.endReason,
        serviceLevels: records.serviceLevels
          .filter((measurement) => measurement.contractId === contract.id)
          .map((measurement) => ({
            serviceLevelId: measurement.serviceLevelId,
            title: { zh: measurement.title.zh, en: measurement.title.en },
            kpiId: measurement.kpiId,
            period: measurement.period,
            value: measurement.value,
            target: measurement.target,
            met: measurement.met,
            measuredAt: measurement.measuredAt.toISOString(),
          })),
        reviews: records.reviews
          .filter((review) => review.contractId === contract.id)
          .map((review) => ({
            reviewId: review.reviewId,
            title: { zh: review.title.zh, en: review.title.en },
            period: review.period,
            fromPeriod: review.fromPeriod,
            toPeriod: review.toPeriod,
            kpis: review.kpis,
            passed: review.passed,
            reviewedAt: review.reviewedAt.toISOString(),
          })),
      })),
      bids: records.bids.map((bid) => ({
        bidId: bid.bidId,
        round: bid.round,
        vendorId: bid.vendorId,
        vendorName: bid.vendorName,
        priceFen: bid.priceFen,
        qualified: bid.qualified,
        submittedAt: bid.submittedAt.toISOString(),
        won: bid.won,
        awardedAmountFen: bid.awardedAmountFen,
        score: bid.score,
        eligible: bid.ineligibleReason === null,
        ineligibleReason: bid.ineligibleReason,
      })),
      payments: records.payments.map((payment) => ({
        id: payment.id,
        contractId: payment.contractId,
        trancheId: payment.trancheId,
        fund: payment.fund,
        vendorId: payment.vendorId,
        vendorName: payment.vendorName,
        amountFen: payment.amountFen,
        status: payment.status,
        instructedAt: payment.instructedAt.toISOString(),
        exportedAt: iso(payment.exportedAt),
      })),
      notices: records.notices.map((notice) => ({
        id: notice.id,
        contractId: notice.contractId,
        noticeId: notice.noticeId,
        kind: notice.kind,
        title: notice.title,
        lines: notice.lines,
        publishedAt: notice.publishedAt.toISOString(),
      })),
      challenges: records.challenges.map((challenge) => ({
        challengeId: challenge.challengeId,
        vendorId: challenge.vendorId,
        vendorName: challenge.vendorName,
        filedBy: challenge.filedBy,
        filedAt: challenge.filedAt.toISOString(),
        grounds: challenge.grounds,
        affectsResult: challenge.affectsResult,
        taskId: challenge.taskId,
        answerDueAt: iso(challenge.answerDueAt),
        status: challenge.status,
        answeredAt: iso(challenge.answeredAt),
        answeredBy: challenge.answeredBy,
        reasons: challenge.reasons,
      })),
      audit: records.audit.map((entry) => ({
        occurredAt: entry.occurredAt.toISOString(),
        actorId: entry.actorId,
        actorRole: entry.actorRole,
        action: entry.action,
        subjectType: entry.subjectType,
        subjectId: entry.subjectId,
        comment: entry.comment,
        details: entry.details,
      })),
      ...live,
    };
    return visibleCycleDetail(user, full, definition);
  }

  /**
   * Cancels the cycle (and its running contracts) through the workflow, whose validators judge it like
   * any decision; the workflow's projection writes the audit entry with the change it records.
   */
  async cancel(user: Identity, id: string, body: CancelCycleDto): Promise<CancelledCycleDto> {
    await this.locate(user, id);
    const requestId = body.requestId ?? randomUUID();
    const result = await this.workflows.cancelCycle(id, { requestId, actor: actorOf(user), reason: body.reason });
    return { cycleId: id, requestId: result.requestId, status: result.status, stepId: result.stepId, reason: body.reason };
  }

  /**
   * Hands in a bid for a vendor: only a vendor the registry finds verified and not suspended in the
   * cycle's jurisdiction may bid, so the workflow is told `qualified: true`; it refuses bids outside
   * an open bidding window, a second bid of a vendor in a round, and a vendor's staff bidding in
   * another organisation's name. Its projection records the bid and its audit entry together.
   *
   * Who may bid at all (403) and whether bidding is open (409) are judged here first, as the workflow would
   * judge them, before the registry is asked: only a bid the workflow would otherwise take and the registry
   * refuses is audited as `bid.refused`, so no one else can write to the audit trail through this route.
   */
  async submitBid(user: Identity, id: string, body: SubmitBidDto): Promise<SubmittedBidDto> {
    if (!BIDDING_ROLES.some((role) => user.roles.includes(role))) {
      throw new ForbiddenError(`Only ${BIDDING_ROLES.map((r) => `"${r}"`).join(', ')} may hand in bids.`);
    }
    if (user.vendorId !== undefined && user.vendorId !== body.vendorId) {
      throw new ForbiddenError('You may bid only in the name of your own organisation.', [
        { field: 'vendorId', problem: 'is not the organisation your access token names' },
      ]);
    }
    const cycle = await this.locate(user, id);
    // A national officer sees every cycle but bids in none: a cycle takes bids only from its own jurisdiction.
    if (user.jurisdiction !== cycle.jurisdiction) {
      throw new ForbiddenError(`This cycle belongs to jurisdiction "${cycle.jurisdiction}"; you act for "${user.jurisdiction}".`);
    }
    if (!(await this.biddingOpen(cycle))) throw new ConflictError('Bidding is not open in this cycle.');
    const vendor = await this.eligibleVendor(body.vendorId, cycle.jurisdiction, await this.qualificationOf(cycle), (refusal) => this.auditRefusedBid(user, cycle, body, refusal));
    // Scoring expressions read the vendor's performance history (`vendor.history`): read here, carried in the bid, so replay never reads the registry.
    const history = await this.vendors.historySummary(vendor.vendorId);
    const bidId = `bid-${digest(`${id}\n${body.requestId}`).slice(0, 20)}`;
    const result = await this.workflows.submitBid(id, {
      requestId: body.requestId,
      actor: actorOf(user),
      bidId,
      vendorId: vendor.vendorId,
      vendorName: vendor.name,
      priceFen: body.priceFen,
      qualified: true,
      history,
    });
    return { cycleId: id, requestId: result.requestId, status: result.status, stepId: result.stepId, bidId, vendorId: vendor.vendorId, vendorName: vendor.name, priceFen: body.priceFen };
  }

  /**
   * Files a bidder's challenge (质疑) against the cycle's result. The workflow judges it: only the staff of
   * a vendor that bid in the cycle (403), only while the period after the result notice runs (409 saying
   * until when), only when the procedure names who answers (409). Its projection records the challenge,
   * the answer task and the audit entry together.
   */
  async fileChallenge(user: Identity, id: string, body: FileChallengeDto): Promise<FiledChallengeDto> {
    if (user.vendorId === undefined) {
      throw new ForbiddenError('Only the staff of a vendor that bid in this cycle may file a challenge (Government Procurement Law art. 52).');
    }
    await this.locate(user, id);
    const challengeId = `challenge-${digest(`${id}\n${body.requestId}`).slice(0, 12)}`;
    const result = await this.workflows.fileChallenge(id, {
      requestId: body.requestId,
      actor: actorOf(user),
      challengeId,
      grounds: body.grounds,
      affectsResult: body.affectsResult,
    });
    const task = result.openTasks.find((candidate) => candidate.nodeId === challengeId);
    return {
      cycleId: id,
      requestId: result.requestId,
      status: result.status,
      stepId: result.stepId,
      challengeId,
      taskId: task ? taskRowId({ workflowId: id }, task) : null,
    };
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The deployed Procedure version to launch: the one asked for, or the newest the caller may see. */
  private async procedureVersion(user: Identity, key: string, version: number | undefined) {
    const visible = (await this.definitions.versionsOf(key)).filter((record) => jurisdictionAllows(user.jurisdiction, record.jurisdiction));
    const newest = visible[0];
    if (!newest) {
      throw new NotFoundError(`No definition with the key "${key}" is deployed (or it belongs to another jurisdiction).`, [
        { field: 'definitionKey', problem: `"${key}" is not deployed` },
      ]);
    }
    const wanted = version ?? newest.version;
    const record = visible.find((candidate) => candidate.version === wanted);
    const found = record ? await this.definitions.contentOf(record) : undefined;
    if (!found) {
      throw new NotFoundError(`Definition "${key}" has no version ${wanted}: its versions are 1 to ${newest.version}.`, [
        { field: 'version', problem: `"${key}" has no version ${wanted}` },
      ]);
    }
    if (found.kind !== 'Procedure') {
      throw new ValidationError(`"${key}" is a ${found.kind} definition; only a Procedure is launched as a cycle.`, [
        { field: 'definitionKey', problem: `is a ${found.kind}, not a Procedure` },
      ]);
    }
    return found;
  }

  /** Every deployed Calendar's newest version that applies to the jurisdiction: national ones and its own. */
  private async calendarsFor(jurisdiction: string): Promise<CalendarDefinition[]> {
    const calendars = await this.definitions.latestCompiledOfKind('Calendar');
    return calendars
      .filter((calendar) => calendar.jurisdiction === null || calendar.jurisdiction === NATIONAL_JURISDICTION || calendar.jurisdiction === jurisdiction)
      .map((calendar) => calendar.compiled as unknown as CalendarDefinition);
  }

  /** A cycle the caller may see: from the read model, or from Temporal while the read model has not caught up. */
  private async locate(user: Identity, id: string): Promise<LocatedCycle> {
    const row = await this.repository.find(id);
    if (row) {
      if (jurisdictionAllows(user.jurisdiction, row.jurisdiction)) return { id, jurisdiction: row.jurisdiction, row };
      throw unknownCycle(id);
    }
    if (!id.startsWith('cycle-')) throw unknownCycle(id);
    const presence = await this.workflows.presence(id);
    const jurisdiction = presence?.memo.jurisdiction;
    if (typeof jurisdiction !== 'string' || !jurisdictionAllows(user.jurisdiction, jurisdiction)) throw unknownCycle(id);
    return { id, jurisdiction, row: null };
  }

  /** A cycle launched a moment ago, before its first projection: what Temporal knows of it. */
  private async pendingDetail(cycle: LocatedCycle): Promise<CycleDetailDto> {
    const presence = await this.workflows.presence(cycle.id);
    const memo = presence?.memo ?? {};
    const version = memo.definitionKey && memo.definitionVersion ? await this.definitions.findVersion(memo.definitionKey, memo.definitionVersion) : undefined;
    const [live, readModelLag] = presence?.running
      ? await Promise.all([this.live(cycle.id, version?.compiled as ProcedureDefinition | undefined), this.readModelLag([cycle.id])])
      : [{ live: null }, null];
    return {
      id: cycle.id,
      title: memo.title ?? { zh: '', en: '' },
      jurisdiction: cycle.jurisdiction,
      definition: { key: memo.definitionKey ?? '', version: memo.definitionVersion ?? 0, contentHash: version?.contentHash ?? '', serviceType: (version?.serviceType ?? null) as ServiceType | null },
      status: 'running',
      currentStep: live.live?.stepId ?? null,
      contractSteps: [],
      openTasks: live.live?.waitingFor.filter((wait) => wait.kind === 'decision').length ?? 0,
      launchedBy: memo.launchedBy ?? '',
      launchedAt: (presence?.startTime ?? new Date()).toISOString(),
      endedAt: null,
      endReason: null,
      links: cycleLinks(cycle.id),
      inputs: {},
      // Recording the launch itself may be what fails.
      readModel: readModelLag ? 'behind' : 'pending',
      readModelLag,
      selection: { method: null, round: null, biddingOpen: false, biddingUntil: null, bidsReceived: null, bidsQualified: null, awardedAt: null },
      steps: [],
      tasks: { open: [], closed: [] },
      contracts: [],
      bids: [],
      payments: [],
      notices: [],
      challenges: [],
      audit: [],
      ...live,
    };
  }

  /**
   * Whether the read model is behind the cycle's workflow or its running contracts: the projection of
   * theirs failing longest, or null when none fails (or Temporal cannot tell now; `live` then says why).
   */
  private async readModelLag(workflowIds: readonly string[]): Promise<ReadModelLagDto | null> {
    const answers = await Promise.all(workflowIds.map((workflowId) => this.workflows.laggingProjections(workflowId)));
    const lagging = answers.flatMap((answer) => ('lagging' in answer ? answer.lagging : []));
    const longest = lagging.sort((a, b) => (a.since?.getTime() ?? Number.MAX_SAFE_INTEGER) - (b.since?.getTime() ?? Number.MAX_SAFE_INTEGER))[0];
    if (!longest) return null;
    return {
      workflowId: longest.workflowId,
      activity: longest.activity,
      attempt: longest.attempt,
      lastFailure: longest.lastFailure,
      since: longest.since?.toISOString() ?? null,
      lastFailedAt: longest.lastFailedAt?.toISOString() ?? null,
      nextAttemptAt: longest.nextAttemptAt?.toISOString() ?? null,
    };
  }

  /** The workflow's live state, and that of its running contracts. */
  private async live(id: string, definition: ProcedureDefinition | undefined): Promise<{ live: LiveStateDto | null; liveUnavailable?: string }> {
    const answer = await this.workflows.snapshot(id);
    if (!('snapshot' in answer)) return { live: null, liveUnavailable: answer.unavailable };
    const { snapshot } = answer;
    const contracts = await Promise.all(
      snapshot.contracts.map(async (contract) => {
        const own = contract.status === 'running' ? await this.workflows.snapshot(contract.contractId) : undefined;
        const described = own && 'snapshot' in own ? describeLiveState(own.snapshot, definition) : { pendingTimers: [], waitingFor: [] };
        return {
          contractId: contract.contractId,
          vendorName: contract.vendorName,
          status: own && 'snapshot' in own ? own.snapshot.status : contract.status,
          stepId: own && 'snapshot' in own ? own.snapshot.stepId : null,
          ...described,
        };
      }),
    );
    return {
      live: {
        status: snapshot.status,
        stepId: snapshot.stepId,
        nodeId: snapshot.nodeId,
        biddingOpen: snapshot.biddingOpen,
        ...describeLiveState(snapshot, definition),
        contracts,
      },
    };
  }

  /**
   * Whether the cycle takes bids now, as the workflow itself answers; the read model's account when the
   * workflow does not answer (no worker), which may lag it but is all there is. The workflow still judges
   * the bid: a window that closes in between refuses it there.
   */
  private async biddingOpen(cycle: LocatedCycle): Promise<boolean> {
    const live = await this.workflows.snapshot(cycle.id);
    if ('snapshot' in live) return live.snapshot.biddingOpen;
    return cycle.row?.biddingOpen ?? false;
  }

  /**
   * What the cycle's procedure asks of a bidder: the criteria of the vendor-selection step it is in (of
   * every such step when the read model does not say), each verified by the role that step names.
   */
  private async qualificationOf(cycle: LocatedCycle): Promise<QualificationRequirement[]> {
    const memo = cycle.row ? undefined : (await this.workflows.presence(cycle.id))?.memo;
    const key = cycle.row?.definitionKey ?? memo?.definitionKey;
    const version = cycle.row?.definitionVersion ?? memo?.definitionVersion;
    const found = typeof key === 'string' && typeof version === 'number' ? await this.definitions.findVersion(key, version) : undefined;
    // A cycle is launched only from a deployed version, and versions are never deleted.
    if (!found) throw new Error(`the definition of cycle ${cycle.id} is not in the registry`);
    return qualificationRequirements(found.compiled as unknown as ProcedureDefinition, cycle.row?.currentStep ?? undefined);
  }

  /**
   * The audit entry of a bid refused because the registry does not find the vendor eligible (suspended,
   * unverified, rejected, of another jurisdiction, not meeting the qualification): who tried, for which
   * vendor, in which cycle, and why. The refusal changes nothing else; a repeated request writes it once.
   */
  private async auditRefusedBid(user: Identity, cycle: { id: string; jurisdiction: string }, body: SubmitBidDto, error: VendorIneligibleError): Promise<void> {
    await this.repository.appendAudit({
      idempotencyKey: `bid.refused:${cycle.id}:${body.requestId}`,
      occurredAt: new Date().toISOString(),
      actorId: user.userId,
      actorRole: BIDDING_ROLES.find((role) => user.roles.includes(role)) ?? user.roles[0] ?? 'unknown',
      jurisdiction: cycle.jurisdiction,
      action: 'bid.refused',
      subjectType: 'vendor',
      subjectId: body.vendorId,
      comment: error.message,
      details: {
        cycleId: cycle.id,
        vendorId: body.vendorId,
        priceFen: body.priceFen,
        reason: error.reason,
        ...(error.unmet.length > 0 ? { unmet: error.unmet.map((u) => u.problem) } : {}),
        actorName: user.name,
        actorJurisdiction: user.jurisdiction,
        requestId: body.requestId,
      },
    });
  }

  /** The vendor, if the registry finds it eligible in the jurisdiction; otherwise 422 naming `vendorId`, after `refused` (the audit) has run. */
  private async eligibleVendor(
    vendorId: string,
    jurisdiction: string,
    requirements: readonly QualificationRequirement[],
    refused: (error: VendorIneligibleError) => Promise<void>,
  ) {
    try {
      return await this.vendors.assertEligible(vendorId, jurisdiction, requirements);
    } catch (error) {
      // An unqualified vendor cannot bid: that is a problem with the request's vendorId, not a missing page.
      if (error instanceof VendorIneligibleError) {
        await refused(error);
        // One problem per criterion not met, each naming it, so a registrar sees everything to put right at once.
        const problems = error.unmet.length > 0 ? error.unmet.map((u) => ({ field: 'vendorId', problem: `${u.reason}: ${u.problem}` })) : [{ field: 'vendorId', problem: `${error.reason}: ${error.message}` }];
        throw new ValidationError(error.message, problems);
      }
      if (error instanceof NotFoundError) throw new ValidationError(error.message, [{ field: 'vendorId', problem: 'no such vendor in the registry' }]);
      throw error;
    }
  }
}

/** Refused inputs, with every problem of every field (the interpreter names the first). */
function inputsRefused(
  definition: ProcedureDefinition,
  inputs: Record<string, unknown>,
  refusal: { code: string; message: string; field?: string; problems?: ReadonlyArray<FieldProblem> },
): DomainError {
  const checked = checkFields(definition.inputs, inputs, 'inputs');
  const details: FieldProblem[] = !checked.ok
    ? checked.problems.map((p) => ({ ...p }))
    : refusal.problems
      ? refusal.problems.map((p) => ({ ...p }))
      : [{ field: refusal.field ?? 'inputs', problem: refusal.message }];
  const message = `Nothing was launched: ${details.map((d) => `${d.field} ${d.problem}`).join('; ')}.`;
  return refusal.code === 'forbidden' ? new ForbiddenError(message, details) : new ValidationError(message, details);
}

function unknownCycle(id: string): NotFoundError {
  return new NotFoundError(`There is no cycle "${id}" (or it belongs to another jurisdiction).`);
}

function toSummary(cycle: CycleEntity, openTasks: number, contractSteps: string[], serviceType: string | null): CycleSummaryDto {
  return {
    id: cycle.id,
    title: { zh: cycle.title.zh, en: cycle.title.en },
    jurisdiction: cycle.jurisdiction,
    definition: { key: cycle.definitionKey, version: cycle.definitionVersion, contentHash: cycle.definitionHash, serviceType: serviceType as ServiceType | null },
    status: cycle.status,
    currentStep: cycle.currentStep,
    contractSteps,
    openTasks,
    launchedBy: cycle.launchedBy,
    launchedAt: cycle.launchedAt.toISOString(),
    endedAt: iso(cycle.endedAt),
    endReason: cycle.endReason,
    links: cycleLinks(cycle.id),
  };
}

export function cycleLinks(cycleId: string): CycleLinksDto {
  const self = `/cycles/${encodeURIComponent(cycleId)}`;
  return { self, tasks: `/tasks?cycleId=${encodeURIComponent(cycleId)}`, cancel: `${self}/cancel`, bids: `${self}/bids` };
}

/**
 * The cycle id a launch with `requestId` gets: the same caller repeating the request names the same
 * workflow, which Temporal refuses to start twice. Shaped as a UUID (version 8, name-based).
 */
function cycleIdFor(user: Identity, requestId: string): string {
  const hex = digest(`${user.userId}\n${requestId}`).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `cycle-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
