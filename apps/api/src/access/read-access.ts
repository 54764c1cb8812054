import type { FieldDefinitionT, ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import { BID_DISCLOSURES } from '../../../../src/definitions/procedure/procedure.schema.js';
import type { Identity } from '../../../../src/identity/identity.js';
import type { AuditEntryDto, BidDto, CycleDetailDto } from '../cycles/cycles.dto.js';
import type { TaskDto } from '../tasks/tasks.dto.js';

/**
 * Who may read what, decided in this one module: every answer that shows procurement data passes
 * through it. Writes are judged elsewhere, by the workflows' validators.
 *
 * - Vendor staff (a token naming a vendor) see their own organisation's bids, contracts, tasks,
 *   payments and audit entries, and of other bids only what the bid opening discloses.
 * - Sealed bids: while a round's bidding is open, its bids are seen only by holders of the roles the
 *   procedure names (`selection.bidding.sealed.readableBy`) in the cycle's own jurisdiction, and by each
 *   vendor its own; everyone else — a national officer holding the same role included — does not learn
 *   that they exist.
 * - Challenges (质疑): vendor staff see their own organisation's challenges and the answers to them,
 *   never another bidder's; government staff of the jurisdiction see them all.
 * - Confidential fields (`confidential.readableBy` on a field) are left out of every answer to a role
 *   that may not read them: cycle inputs, task decisions and the audit trail's copies of them.
 */

/** The vendor a user works for, when they are a vendor's staff. */
export function vendorOf(user: Identity): string | undefined {
  return user.vendorId;
}

/** Whether `user` may read a value of `field`: always, unless it is confidential and the user holds none of its roles. */
export function mayReadField(user: Identity, field: Pick<FieldDefinitionT, 'confidential'>): boolean {
  const readers = field.confidential?.readableBy;
  return !readers || (user.vendorId === undefined && user.roles.some((role) => readers.includes(role)));
}

/** The confidential fields of a procedure, by where their values are kept. */
export class ConfidentialFields {
  private constructor(
    private readonly inputs: ReadonlyMap<string, FieldDefinitionT>,
    /** Per task node id (and ledger tasks' lines under their node ids): its confidential fields. */
    private readonly forms: ReadonlyMap<string, ReadonlyMap<string, FieldDefinitionT>>,
  ) {}

  static of(definition: ProcedureDefinition | undefined): ConfidentialFields {
    const inputs = new Map<string, FieldDefinitionT>();
    const forms = new Map<string, Map<string, FieldDefinitionT>>();
    if (!definition) return new ConfidentialFields(inputs, forms);
    for (const field of definition.inputs) if (field.confidential) inputs.set(field.id, field);
    for (const step of definition.steps) {
      const ledgerLines = step.kind === 'performanceManagement' ? step.performance.ledger.lines.filter((line) => line.confidential) : [];
      for (const node of step.flow.nodes) {
        const tasks = node.type === 'parallel' ? node.tasks : node.type === 'task' ? [node] : [];
        for (const task of tasks) {
          const secret = task.form.filter((field) => field.confidential);
          if (secret.length > 0) forms.set(task.id, new Map(secret.map((field) => [field.id, field])));
        }
        if (node.type === 'ledgerPeriods' && ledgerLines.length > 0) forms.set(node.id, new Map(ledgerLines.map((line) => [line.id, line])));
      }
    }
    return new ConfidentialFields(inputs, forms);
  }

  /** The cycle's inputs without those `user` may not read. */
  inputsFor<V>(user: Identity, values: Record<string, V>): Record<string, V> {
    return withhold(values, this.inputs, user);
  }

  /** A task's decided form values (or a ledger's lines) without those `user` may not read. */
  formFor<V>(user: Identity, nodeId: string, values: Record<string, V>): Record<string, V> {
    const secret = this.forms.get(nodeId);
    return secret ? withhold(values, secret, user) : values;
  }
}

function withhold<V>(values: Record<string, V>, secret: ReadonlyMap<string, FieldDefinitionT>, user: Identity): Record<string, V> {
  if (secret.size === 0) return values;
  return Object.fromEntries(Object.entries(values).filter(([id]) => {
    const field = secret.get(id);
    return !field || mayReadField(user, field);
  }));
}

/** A task as `user` may see it: its decision's confidential fields withheld. */
export function visibleTask(user: Identity, task: TaskDto, confidential: ConfidentialFields): TaskDto {
  if (!task.decision?.fields) return task;
  return { ...task, decision: { ...task.decision, fields: confidential.formFor(user, task.nodeId, task.decision.fields) } };
}

/** Whether `user` may see the task at all: vendor staff see only their own contract's tasks. */
export function mayListTask(user: Identity, task: { contractId: string | null }, ownContractIds: ReadonlySet<string>): boolean {
  return user.vendorId === undefined || (task.contractId !== null && ownContractIds.has(task.contractId));
}

/** The sealed-bid settings of a procedure: who reads prices while bidding is open, what opening discloses. */
function sealingOf(definition: ProcedureDefinition | undefined): { readableBy: readonly string[]; disclosed: ReadonlySet<string> } {
  const selection = definition?.steps.find((step) => step.kind === 'vendorSelection');
  if (selection?.kind !== 'vendorSelection') return { readableBy: [], disclosed: new Set() };
  const sealed = selection.selection.bidding.sealed;
  return { readableBy: sealed.readableBy, disclosed: new Set(sealed.disclosedAfterOpening) };
}

/**
 * Whether `user` may read the sealed bids of a cycle of `cycleJurisdiction` run by `definition`: a holder
 * of a role the procedure names, in the cycle's own jurisdiction. The role is an office of that
 * jurisdiction's procedure (its procurement centre opens its bids); the same role id held elsewhere —
 * another county's, or the national level's, which reaches every cycle — is not that office.
 */
export function mayReadSealedBids(user: Identity, cycleJurisdiction: string, definition: ProcedureDefinition | undefined): boolean {
  const { readableBy } = sealingOf(definition);
  return user.vendorId === undefined && user.jurisdiction === cycleJurisdiction && user.roles.some((role) => readableBy.includes(role));
}

/**
 * The cycle's detail as `user` may see it (see the module comment). Pure: the read model's full detail
 * and the cycle's definition in, the caller's view out.
 */
export function visibleCycleDetail(user: Identity, detail: CycleDetailDto, definition: ProcedureDefinition | undefined): CycleDetailDto {
  const vendorId = user.vendorId;
  const sealing = sealingOf(definition);
  const readsSealed = mayReadSealedBids(user, detail.jurisdiction, definition);
  const openRound = detail.selection.biddingOpen ? detail.selection.round : null;
  const isSealed = (bid: { round: number | null }) => openRound !== null && bid.round === openRound;
  const confidential = ConfidentialFields.of(definition);
  const ownContracts = new Set(detail.contracts.filter((contract) => contract.vendorId === vendorId).map((contract) => contract.id));
  const sealedBidIds = new Set(detail.bids.filter(isSealed).map((bid) => bid.bidId));

  const bids = detail.bids.flatMap((bid): BidDto[] => {
    if (bid.vendorId === vendorId) return [bid];
    if (isSealed(bid)) return readsSealed ? [bid] : [];
    if (vendorId === undefined) return [bid];
    // Another vendor's opened bid: what the bid opening record discloses.
    return [
      {
        ...bid,
        vendorId: sealing.disclosed.has('vendorName') ? bid.vendorId : null,
        vendorName: sealing.disclosed.has('vendorName') ? bid.vendorName : null,
        priceFen: sealing.disclosed.has('priceFen') ? bid.priceFen : null,
        score: sealing.disclosed.has('score') ? bid.score : null,
        // Eligibility reads the vendor's performance history, which another vendor's staff may not see.
        eligible: null,
        ineligibleReason: null,
      },
    ];
  });

  const visibleEntry = (entry: AuditEntryDto): AuditEntryDto[] => {
    const details = entry.details;
    const bidId = typeof details['bidId'] === 'string' ? details['bidId'] : undefined;
    if (vendorId !== undefined) {
      const contractId = typeof details['contractId'] === 'string' ? details['contractId'] : undefined;
      const own = details['vendorId'] === vendorId || (contractId !== undefined && ownContracts.has(contractId)) || ownContracts.has(entry.subjectId);
      if (!own) return [];
    } else if (bidId !== undefined && sealedBidIds.has(bidId) && !readsSealed) {
      return [];
    } else if (entry.action === 'bid.refused' && openRound !== null && !readsSealed) {
      // A refused bid names a vendor that tried to bid: sealed like the bids themselves while bidding is open.
      return [];
    }
    const fields = details['fields'];
    const nodeId = typeof details['nodeId'] === 'string' ? details['nodeId'] : undefined;
    if (nodeId && fields && typeof fields === 'object') {
      return [{ ...entry, details: { ...details, fields: confidential.formFor(user, nodeId, fields as Record<string, unknown>) } }];
    }
    return [entry];
  };

  const task = (t: TaskDto) => visibleTask(user, t, confidential);
  const ownTask = (t: TaskDto) => mayListTask(user, t, ownContracts);
  const live = detail.live && vendorId !== undefined
    ? {
        ...detail.live,
        contracts: detail.live.contracts.filter((contract) => ownContracts.has(contract.contractId)),
        waitingFor: detail.live.waitingFor.filter((wait) => wait.kind !== 'contracts'),
      }
    : detail.live;

  return {
    ...detail,
    inputs: confidential.inputsFor(user, detail.inputs),
    selection:
      openRound !== null && !readsSealed
        ? { ...detail.selection, bidsReceived: null, bidsQualified: null }
        : detail.selection,
    tasks: { open: detail.tasks.open.filter(ownTask).map(task), closed: detail.tasks.closed.filter(ownTask).map(task) },
    contracts: vendorId === undefined ? detail.contracts : detail.contracts.filter((contract) => ownContracts.has(contract.id)),
    bids,
    payments: vendorId === undefined ? detail.payments : detail.payments.filter((payment) => payment.vendorId === vendorId),
    challenges: vendorId === undefined ? detail.challenges : detail.challenges.filter((challenge) => challenge.vendorId === vendorId),
    audit: detail.audit.flatMap(visibleEntry),
    live,
    // Vendor staff learn that the read model lags, but not the failure of another vendor's contract.
    readModelLag:
      vendorId !== undefined && detail.readModelLag && detail.readModelLag.workflowId !== detail.id && !ownContracts.has(detail.readModelLag.workflowId)
        ? null
        : detail.readModelLag,
  };
}

/** What a bid opening may disclose, for the OpenAPI description. */
export const DISCLOSABLE_BID_FIELDS = BID_DISCLOSURES;
