import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import type { SupervisionDefinition } from '../../../../src/definitions/supervision/supervision.schema.js';
import { type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { caseRolesOf, type CaseWorkflowInput } from '../../../../workflows/cases/messages.js';
import { validateCaseInput } from '../../../../workflows/machines/supervision-case.events.js';
import { actorOf } from '../common/actor.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../common/domain-errors.js';
import { DefinitionsRepository } from '../definitions/definitions.repository.js';
import { StaffService } from '../staff/staff.service.js';
import { CasesWorkflowsGateway } from './cases-workflows.gateway.js';
import type {
  CaseDetailDto,
  CaseEventAnswerDto,
  CaseEventDto,
  CaseListDto,
  CaseSummaryDto,
  DecideCaseTaskDto,
  EnrolCaseDto,
  EnrolledCaseDto,
  ListCasesQueryDto,
} from './cases.dto.js';
import { type CaseRow, CasesRepository } from './cases.repository.js';

const LIFECYCLE_KIND = 'SupervisionLifecycle';
const DEFAULT_PAGE = 50;
const NOT_VISIBLE = 'No such case, or it belongs to another jurisdiction or is served by another organisation.';

/**
 * Supervision cases: enrolment under a deployed lifecycle version, events and task decisions (each an
 * Update the case workflow judges: nothing is written when it refuses), and reading cases from the read
 * model with the workflow's live account. Vendor staff see and act on their own organisation's cases only;
 * confidential fields reach only the roles the lifecycle names.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly repository: CasesRepository,
    private readonly definitions: DefinitionsRepository,
    private readonly workflows: CasesWorkflowsGateway,
    private readonly staff: StaffService,
  ) {}

  async enrol(user: Identity, body: EnrolCaseDto): Promise<EnrolledCaseDto> {
    if (user.vendorId !== undefined) throw new ForbiddenError('Cases are enrolled by the judicial office, not by vendor staff.');
    const version = await this.lifecycleVersion(body.lifecycleKey, body.version);
    const definition = version.compiled as unknown as SupervisionDefinition;
    let vendorId: string | undefined;
    if (body.contractId !== undefined) {
      const contract = await this.repository.contract(body.contractId);
      if (!contract || !jurisdictionAllows(user.jurisdiction, contract.jurisdiction)) {
        throw new ValidationError(`There is no contract "${body.contractId}" in your jurisdiction.`, [{ field: 'contractId', problem: 'is not a contract of your jurisdiction' }]);
      }
      vendorId = contract.vendorId;
      const procedure = await this.definitions.findVersion(contract.definitionKey, contract.definitionVersion);
      const missing = procedure ? undeclaredObligations(procedure.compiled as unknown as ProcedureDefinition, definition) : [];
      if (missing.length > 0) {
        // The procedure cannot see the lifecycle when it is compiled: a case line counting an obligation this
        // lifecycle lacks would count nothing, so such a case is not enrolled on the contract.
        const named = missing.map(({ line, obligation }) => `ledger line "${line}" counts obligation "${obligation}"`).join('; ');
        throw new ValidationError(
          `Contract "${body.contractId}" compiles its ledger from case evidence, and ${named}, which lifecycle "${version.key}" version ${version.version} does not declare.`,
          missing.map(({ line, obligation }) => ({ field: 'contractId', problem: `ledger line "${line}" counts obligation "${obligation}", not declared by the lifecycle` })),
        );
      }
    }
    const attributes = body.attributes ?? {};
    const problems = validateCaseInput(definition, { attributes });
    if (problems.length > 0) {
      throw new ValidationError(
        `The attributes do not fit lifecycle "${version.key}": ${problems.join('; ')}.`,
        problems.map((problem) => ({ field: attributeField(problem), problem })),
      );
    }
    const caseId = body.requestId ? caseIdFor(user, body.requestId) : `case-${randomUUID()}`;
    const input: CaseWorkflowInput = {
      caseId,
      definition,
      lifecycle: { key: version.key, version: version.version, contentHash: version.contentHash },
      jurisdiction: user.jurisdiction,
      ...(vendorId !== undefined ? { vendorId } : {}),
      ...(body.contractId !== undefined ? { contractId: body.contractId } : {}),
      attributes,
      enrolledBy: actorOf(user),
    };
    const created = await this.workflows.start(input);
    return {
      caseId,
      created,
      jurisdiction: user.jurisdiction,
      lifecycleKey: version.key,
      lifecycleVersion: version.version,
      vendorId: vendorId ?? null,
      contractId: body.contractId ?? null,
      links: { self: `/cases/${caseId}`, events: `/cases/${caseId}/events` },
    };
  }

  async event(user: Identity, id: string, body: CaseEventDto): Promise<CaseEventAnswerDto> {
    const row = await this.actionable(user, id);
    // A case that has ended has no workflow to ask: the read model says which state refuses the event,
    // in the words the workflow's own refusal reaches the client in.
    if (row.final) throw new ConflictError(`The case is in state "${row.state}", which does not accept event "${body.type}".`, [{ field: 'type', problem: `not accepted in state "${row.state}"` }]);
    // Ended by ops: its workflow is closed, and no evidence recorded now may count for the vendor.
    if (row.status !== 'running') throw new ConflictError(`The case was ${row.status}; it takes no more events.`, [{ field: 'type', problem: `the case was ${row.status}` }]);
    return this.workflows.event(id, { requestId: body.requestId, actor: actorOf(user), type: body.type, payload: body.payload ?? {}, ...(body.at !== undefined ? { at: body.at } : {}) });
  }

  async decideTask(user: Identity, id: string, taskId: string, body: DecideCaseTaskDto): Promise<CaseEventAnswerDto> {
    const row = await this.actionable(user, id);
    if (row.final || row.status !== 'running') throw new ConflictError(`the case has ended (${row.final ? `state "${row.state}"` : row.status}); its tasks are closed`);
    return this.workflows.decideTask(id, { requestId: body.requestId, actor: actorOf(user), taskId, comment: body.comment });
  }

  async list(user: Identity, query: ListCasesQueryDto): Promise<CaseListDto> {
    if (user.vendorId !== undefined && query.vendorId !== undefined && query.vendorId !== user.vendorId) {
      throw new ForbiddenError('Vendor staff list only their own organisation’s cases.', [{ field: 'vendorId', problem: 'is not your organisation' }]);
    }
    const vendorId = user.vendorId ?? query.vendorId;
    const { rows, total } = await this.repository.list({
      ...(user.jurisdiction === NATIONAL_JURISDICTION ? {} : { jurisdiction: user.jurisdiction }),
      ...(vendorId !== undefined ? { vendorId } : {}),
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.openBreach !== undefined ? { openBreach: query.openBreach } : {}),
      ...(query.dueBefore !== undefined ? { dueBefore: new Date(query.dueBefore) } : {}),
      ...(query.worker !== undefined ? { workerId: query.worker } : {}),
      limit: query.limit ?? DEFAULT_PAGE,
      offset: query.offset ?? 0,
    });
    // A page names few lifecycle versions: each is read once, to know which attributes are confidential.
    const versions = new Map<string, Promise<SupervisionDefinition | undefined>>();
    const definitionOf = (row: CaseRow) => {
      const key = `${row.lifecycleKey}\n${row.lifecycleVersion}`;
      if (!versions.has(key)) versions.set(key, this.lifecycleDefinition(row.lifecycleKey, row.lifecycleVersion));
      return versions.get(key) as Promise<SupervisionDefinition | undefined>;
    };
    const cases = await Promise.all(rows.map(async (row) => toSummary(row, user, await definitionOf(row))));
    return { total, cases };
  }

  async detail(user: Identity, id: string): Promise<CaseDetailDto> {
    const row = await this.visible(user, id, { vendorBound: true });
    const definition = await this.lifecycleDefinition(row.lifecycleKey, row.lifecycleVersion);
    const roles = definition ? caseRolesOf(definition, actorOf(user)) : [...user.roles];
    const [records, live, assignment] = await Promise.all([this.repository.records(id), row.final || row.status !== 'running' ? Promise.resolve(undefined) : this.workflows.state(id), this.staff.assignmentOf(id)]);
    const view = live && 'view' in live ? live.view : undefined;
    return {
      ...toSummary(row, user, definition),
      obligations: (view?.obligations ?? []).map((o) => ({
        id: o.id,
        title: { zh: o.title.zh, en: o.title.en },
        event: o.event,
        per: o.per,
        applies: o.applies,
        total: o.total,
        required: o.required,
        met: o.met,
        period: o.period,
        periodStartedAt: o.periodStartedAt,
        periodEndsAt: o.periodEndsAt,
      })),
      acceptedEvents: [...(view?.acceptedEvents ?? [])],
      assignment,
      liveUnavailable: live && 'unavailable' in live ? live.unavailable : null,
      periods: records.periods.map((p) => ({ ...p, startedAt: iso(p.startedAt), endedAt: iso(p.endedAt) })),
      breaches: records.breaches.map((b) => ({ ...b, startedAt: iso(b.startedAt), endedAt: iso(b.endedAt) })),
      tasks: records.tasks.map((t) => ({ ...t, title: { zh: t.title.zh, en: t.title.en }, openedAt: t.openedAt.toISOString(), dueAt: iso(t.dueAt), decidedAt: iso(t.decidedAt) })),
      timeline: records.events.map((e) => {
        const readable = e.confidential.filter((field) => field.readableBy.some((role) => roles.includes(role)));
        // `attributes.updated` carries attribute values in its payload, confidential ones included.
        const changed = e.type === 'attributes.updated' ? withholdAttributes(e.payload['attributes'], definition, roles) : undefined;
        const payload = changed ? { ...e.payload, attributes: changed.readable } : e.payload;
        return {
          seq: e.seq,
          type: e.type,
          at: e.occurredAt.toISOString(),
          recordedAt: e.recordedAt.toISOString(),
          actorId: e.actorId,
          actorName: e.actorName,
          role: e.role,
          payload: { ...payload, ...Object.fromEntries(readable.map((field) => [field.field, field.value])) },
          withheld: [...e.confidential.filter((field) => !readable.includes(field)).map((field) => field.field), ...(changed?.withheld ?? []).map((id) => `attributes.${id}`)],
          stateBefore: e.stateBefore,
          stateAfter: e.stateAfter,
        };
      }),
    };
  }

  /**
   * The case as the caller may see it. Reading, vendor staff see only their organisation's cases; acting,
   * the case itself refuses another organisation's staff (403), so only the jurisdiction is checked here.
   */
  private async actionable(user: Identity, id: string): Promise<Pick<CaseRow, 'state' | 'final' | 'status'>> {
    const row = await this.repository.find(id);
    if (row) return this.visible(user, id, { vendorBound: false }, row);
    // Enrolled moments ago: the workflow knows the case before the read model does.
    const memo = await this.workflows.memo(id);
    if (!memo || !jurisdictionAllows(user.jurisdiction, memo.jurisdiction)) throw new NotFoundError(NOT_VISIBLE);
    return { state: 'unknown', final: false, status: 'running' };
  }

  private async visible(user: Identity, id: string, { vendorBound }: { vendorBound: boolean }, found?: CaseRow): Promise<CaseRow> {
    const row = found ?? (await this.repository.find(id));
    if (!row || !jurisdictionAllows(user.jurisdiction, row.jurisdiction)) throw new NotFoundError(NOT_VISIBLE);
    if (vendorBound && user.vendorId !== undefined && row.vendorId !== user.vendorId) throw new NotFoundError(NOT_VISIBLE);
    return row;
  }

  private async lifecycleDefinition(key: string, version: number): Promise<SupervisionDefinition | undefined> {
    return (await this.definitions.findVersion(key, version))?.compiled as SupervisionDefinition | undefined;
  }

  private async lifecycleVersion(key: string, version: number | undefined) {
    const versions = await this.definitions.versionsOf(key);
    const chosen = version === undefined ? versions[0] : versions.find((candidate) => candidate.version === version);
    if (!chosen) throw new NotFoundError(version === undefined ? `No lifecycle "${key}" is deployed.` : `Lifecycle "${key}" has no version ${version}.`);
    if (chosen.kind !== LIFECYCLE_KIND) {
      throw new ValidationError(`"${key}" is a ${chosen.kind}, not a ${LIFECYCLE_KIND}.`, [{ field: 'lifecycleKey', problem: `is not a ${LIFECYCLE_KIND}` }]);
    }
    const content = await this.definitions.findVersion(chosen.key, chosen.version);
    if (!content) throw new NotFoundError(`Lifecycle "${key}" has no version ${chosen.version}.`);
    return content;
  }
}

/**
 * The case as `user` may read it: the attributes the lifecycle marks confidential only for the case roles
 * that read them (as the timeline's confidential fields), the others named in `withheldAttributes`.
 */
function toSummary(row: CaseRow, user: Identity, definition: SupervisionDefinition | undefined): CaseSummaryDto {
  const roles = definition ? caseRolesOf(definition, actorOf(user)) : [...user.roles];
  const { readable, withheld } = withholdAttributes(row.attributes, definition, roles) ?? { readable: {}, withheld: [] };
  return {
    id: row.id,
    lifecycleKey: row.lifecycleKey,
    lifecycleVersion: row.lifecycleVersion,
    jurisdiction: row.jurisdiction,
    vendorId: row.vendorId,
    contractId: row.contractId,
    state: row.state,
    final: row.final,
    status: row.status,
    endedAt: iso(row.endedAt),
    endReason: row.endReason,
    attributes: readable,
    withheldAttributes: withheld,
    enrolledAt: row.enrolledAt.toISOString(),
    enrolledBy: row.enrolledBy,
    openBreaches: row.openBreaches,
  };
}

/**
 * Splits attribute values into those `roles` may read and the ids of those withheld. Without the lifecycle
 * nothing says which are confidential, so every one is withheld rather than risk showing a secret.
 */
function withholdAttributes(values: unknown, definition: SupervisionDefinition | undefined, roles: readonly string[]): { readable: Record<string, unknown>; withheld: string[] } | undefined {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return undefined;
  const readable: Record<string, unknown> = {};
  const withheld: string[] = [];
  for (const [id, value] of Object.entries(values as Record<string, unknown>)) {
    const readers = definition ? (definition.attributes.find((attribute) => attribute.id === id)?.confidential?.readableBy ?? null) : [];
    if (readers === null || readers.some((role) => roles.includes(role))) readable[id] = value;
    else withheld.push(id);
  }
  return { readable, withheld };
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** The attribute a problem of `validateCaseInput` names (`attribute "riskLevel" …`). */
function attributeField(problem: string): string {
  const match = /attribute "([^"]+)"/.exec(problem);
  return match ? `attributes.${match[1]}` : 'attributes';
}

/** A case id derived from the caller and the request id, so a repeated enrolment finds the first case. */
function caseIdFor(user: Identity, requestId: string): string {
  const hex = createHash('sha256').update(`${user.userId}\n${requestId}`).digest('hex').slice(0, 32);
  return `case-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The case lines of a procedure's ledgers (`source: { cases: { obligation } }`) whose obligation no state of
 * the lifecycle declares.
 */
function undeclaredObligations(procedure: ProcedureDefinition, lifecycle: SupervisionDefinition): Array<{ line: string; obligation: string }> {
  const declared = new Set(lifecycle.states.flatMap((state) => state.obligations.map((obligation) => obligation.id)));
  return procedure.steps.flatMap((step) =>
    step.kind !== 'performanceManagement'
      ? []
      : step.performance.ledger.lines.flatMap((line) => {
          const metric = typeof line.source === 'object' ? line.source.cases : undefined;
          return typeof metric === 'object' && !declared.has(metric.obligation) ? [{ line: line.id, obligation: metric.obligation }] : [];
        }),
  );
}
