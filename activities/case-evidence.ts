import type { DataSource } from 'typeorm';
import { toExpressionValue } from '../src/definitions/expressions/expression-language.js';
import type { CaseMetricT } from '../src/definitions/procedure/procedure.schema.js';
import { supervisionScopes } from '../src/definitions/supervision/supervision.rules.js';
import type { SupervisionDefinition } from '../src/definitions/supervision/supervision.schema.js';
import type { CaseEvidence } from '../workflows/engine/types.js';
import { readStaffing } from './staffing.js';
import { eventDeclaration, payloadOf, type AttributeValue, type SupervisionEvent } from '../workflows/machines/supervision-case.events.js';

/**
 * Compiles a contract's ledger lines from its cases' evidence in the read model (definitions/README.md,
 * "Ledger lines from case evidence"). Read-only: the contract workflow asks at a ledger submission and
 * records the answer in its history, so a replay reads the history, never the database.
 *
 * A ledger counts what came in after `from` (where the previous period's ledger stopped counting, or its
 * own period's start) up to `through` (its submission instant):
 * - `served`: the contract's cases enrolled by `through` that had not ended (reached a final state) before `from`;
 * - `{ obligation, measure: amount }`: over the evidence recorded in that span, in a state that holds the
 *   obligation, the sum of the obligation's measure as the case's lifecycle version defines it (its event,
 *   `countsWhen`, and `appliesWhen` on the case's attributes now; `max` adds up each case's largest value);
 * - `{ obligation, measure: breaches }`: the obligation's periods that ended unmet in that span, as the case
 *   workflows projected them. A period that has not ended by the submission is no breach yet: the next
 *   ledger counts it;
 * - `staffingBreaches`: the staffing ratios of the contract's cases broken at `through` (src/staffing): a
 *   social worker over the lifecycle's `maxCasesEach`, a case without a social worker, a case short of
 *   volunteers — the period's close is when its ledger is handed in.
 *
 * A case ops cancelled or terminated counts up to its end only: it is not served after it, and nothing
 * recorded after it (an attempt in flight when Temporal terminated the workflow) is evidence.
 */
export interface CompileCaseEvidenceInput {
  readonly contractId: string;
  /** Where the count starts, ISO instant. */
  readonly from: string;
  /** The submission instant (workflow time): nothing recorded after it counts. */
  readonly through: string;
  readonly lines: ReadonlyArray<{ readonly id: string; readonly metric: CaseMetricT }>;
}

export interface CaseEvidenceDependencies {
  readonly dataSource: DataSource;
}

interface CaseRow {
  readonly id: string;
  readonly lifecycleKey: string;
  readonly lifecycleVersion: number;
  readonly attributes: Record<string, AttributeValue>;
  readonly enrolledAt: Date;
  /** When ops cancelled or terminated it (or it completed); null while it runs. */
  readonly endedAt: Date | null;
}

interface EventRow {
  readonly caseId: string;
  readonly type: string;
  readonly stateBefore: string;
  readonly stateAfter: string;
  readonly occurredAt: Date;
  readonly recordedAt: Date;
  readonly payload: Record<string, unknown>;
}

export function createCaseEvidenceActivities({ dataSource }: CaseEvidenceDependencies) {
  return {
    /** The values of a ledger period's case lines for one contract, as of `through`. */
    async compileCaseEvidence(input: CompileCaseEvidenceInput): Promise<CaseEvidence> {
      const from = new Date(input.from);
      const through = new Date(input.through);
      const cases = (await dataSource.query(
        `SELECT id, lifecycle_key AS "lifecycleKey", lifecycle_version AS "lifecycleVersion", attributes, enrolled_at AS "enrolledAt", ended_at AS "endedAt"
           FROM cases WHERE contract_id = $1 AND enrolled_at <= $2 ORDER BY id`,
        [input.contractId, through],
      )) as CaseRow[];
      const ids = cases.map((row) => row.id);
      const lifecycles = await loadLifecycles(dataSource, cases);
      const events = (
        (await dataSource.query(
          `SELECT case_id AS "caseId", type, state_before AS "stateBefore", state_after AS "stateAfter", occurred_at AS "occurredAt", recorded_at AS "recordedAt", payload
             FROM case_events WHERE case_id = ANY($1) AND recorded_at <= $2 ORDER BY case_id, seq`,
          [ids, through],
        )) as EventRow[]
      ).filter((event) => {
        const endedAt = cases.find((row) => row.id === event.caseId)?.endedAt;
        return !endedAt || event.recordedAt.getTime() <= endedAt.getTime();
      });
      const served = cases.filter((row) => {
        const definition = lifecycles.get(lifecycleId(row));
        const finals = new Set(definition?.states.filter((state) => state.type === 'final').map((state) => state.id) ?? []);
        if (row.endedAt && row.endedAt.getTime() < from.getTime()) return false;
        const ended = events.find((event) => event.caseId === row.id && finals.has(event.stateAfter));
        return !ended || ended.occurredAt.getTime() >= from.getTime();
      });
      const lines: Record<string, number> = {};
      for (const line of input.lines) {
        const { metric } = line;
        if (metric === 'served') lines[line.id] = served.length;
        else if (metric === 'staffingBreaches') lines[line.id] = await staffingBreachesOf(dataSource, input.contractId, through);
        else if (metric.measure === 'amount') lines[line.id] = amountOf(metric.obligation, cases, lifecycles, events, from);
        else lines[line.id] = await breachesOf(dataSource, metric.obligation, ids, from, through);
      }
      return { through: input.through, lines };
    },
  };
}

function lifecycleId(row: Pick<CaseRow, 'lifecycleKey' | 'lifecycleVersion'>): string {
  return `${row.lifecycleKey}@${row.lifecycleVersion}`;
}

/** Each lifecycle version the cases were enrolled under, compiled, from the registry. */
async function loadLifecycles(dataSource: DataSource, cases: readonly CaseRow[]): Promise<Map<string, SupervisionDefinition>> {
  const wanted = [...new Map(cases.map((row) => [lifecycleId(row), row])).values()];
  const found = new Map<string, SupervisionDefinition>();
  for (const row of wanted) {
    const rows = (await dataSource.query(`SELECT compiled FROM definition_versions WHERE key = $1 AND version = $2`, [row.lifecycleKey, row.lifecycleVersion])) as Array<{
      compiled: SupervisionDefinition;
    }>;
    // A case's lifecycle version is in the registry for as long as the case exists (versions are never deleted).
    if (!rows[0]) throw new Error(`lifecycle "${row.lifecycleKey}" version ${row.lifecycleVersion} of a case is not in the registry`);
    found.set(lifecycleId(row), rows[0].compiled);
  }
  return found;
}

/** The sum of an obligation's measure over the evidence recorded from `from` (the events are those recorded by `through`), across the contract's cases. */
function amountOf(
  obligationId: string,
  cases: readonly CaseRow[],
  lifecycles: ReadonlyMap<string, SupervisionDefinition>,
  events: readonly EventRow[],
  from: Date,
): number {
  let total = 0;
  for (const row of cases) {
    const definition = lifecycles.get(lifecycleId(row));
    if (!definition) continue;
    const holders = definition.states.flatMap((state) => state.obligations.filter((o) => o.id === obligationId).map((obligation) => ({ state: state.id, obligation })));
    let largest = 0;
    for (const event of events) {
      if (event.caseId !== row.id || event.recordedAt.getTime() <= from.getTime()) continue;
      const holder = holders.find((candidate) => candidate.state === event.stateBefore && candidate.obligation.event === event.type);
      if (!holder) continue;
      const { obligation } = holder;
      const payload = payloadOf(eventDeclaration(definition, event.type), { type: event.type, ...event.payload } as SupervisionEvent);
      const scopes = supervisionScopes(definition);
      if (obligation.appliesWhen !== undefined && scopes.attributes.evaluate(obligation.appliesWhen, toExpressionValue({ attributes: row.attributes }) as Record<string, unknown>) !== true) continue;
      if (
        obligation.countsWhen !== undefined &&
        scopes.evidence(event.type).evaluate(obligation.countsWhen, toExpressionValue({ attributes: row.attributes, event: payload }) as Record<string, unknown>) !== true
      ) {
        continue;
      }
      if ('count' in obligation.measure) {
        total += 1;
        continue;
      }
      const value = payload['sum' in obligation.measure ? obligation.measure.sum : obligation.measure.max];
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) continue;
      if ('sum' in obligation.measure) total += value;
      else largest = Math.max(largest, value);
    }
    total += largest;
  }
  return total;
}

/** The obligation's periods that ended unmet from `from` up to `through`, across the contract's cases. */
async function breachesOf(dataSource: DataSource, obligationId: string, ids: readonly string[], from: Date, through: Date): Promise<number> {
  const rows = (await dataSource.query(
    `SELECT count(*)::int AS n FROM case_breaches b JOIN cases c ON c.id = b.case_id
      WHERE b.case_id = ANY($1) AND b.obligation = $2 AND b.ended_at > $3 AND b.ended_at <= $4 AND (c.ended_at IS NULL OR b.ended_at <= c.ended_at)`,
    [ids, obligationId, from, through],
  )) as Array<{ n: number }>;
  return rows[0]?.n ?? 0;
}

/** How many staffing breaches the contract's cases show at `through`; none without a serving vendor yet. */
async function staffingBreachesOf(dataSource: DataSource, contractId: string, through: Date): Promise<number> {
  const rows = (await dataSource.query(`SELECT vendor_id AS "vendorId" FROM cases WHERE contract_id = $1 AND vendor_id IS NOT NULL LIMIT 1`, [contractId])) as Array<{ vendorId: string }>;
  const vendorId = rows[0]?.vendorId;
  if (vendorId === undefined) return 0;
  return (await readStaffing(dataSource, { vendorId, contractId, at: through.toISOString() })).breaches;
}
