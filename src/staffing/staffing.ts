/**
 * Staffing ratios of a supervision lifecycle (`staffing.socialWorker.maxCasesEach`,
 * `staffing.volunteer.minPerCase`; seed 002: 1:20, seed 004: 1:10 and a volunteer per person), as one set
 * of pure rules that the assignment check (apps/api/src/cases) and the measure at an instant
 * (activities/staffing.ts) both apply, so the two never disagree.
 */

/** What a vendor's staff member is; string-valued so the database, DTOs and CLI share the words. */
export const STAFF_KINDS = ['socialWorker', 'volunteer'] as const;
export type StaffKind = (typeof STAFF_KINDS)[number];

/** One source of a ratio, as a definition cites it (`sources[]`). */
export interface RatioSourceRef {
  readonly seed?: string | undefined;
  readonly document?: string | undefined;
  readonly section: string;
}

/** A lifecycle's `staffing` key, as compiled (only the fields the rules read). */
export interface LifecycleStaffing {
  readonly socialWorker?: { readonly maxCasesEach: number; readonly sources?: readonly RatioSourceRef[] | undefined } | undefined;
  readonly volunteer?: { readonly minPerCase: number; readonly sources?: readonly RatioSourceRef[] | undefined } | undefined;
}

/** A ratio with where it comes from: the lifecycle version, the key, and the seed it cites. */
export interface RatioSource {
  readonly lifecycleKey: string;
  readonly lifecycleVersion: number;
  /** The definition key that states it, e.g. `staffing.socialWorker.maxCasesEach`. */
  readonly key: string;
  readonly value: number;
  /** The definition's citation, e.g. `seed 004_f522fc3792ed1dfa.txt §二(三)`; null when it cites none. */
  readonly cited: string | null;
}

/** A case as the rules see it: which lifecycle version it runs, and so which ratios bind it. */
export interface StaffedCase {
  readonly caseId: string;
  readonly contractId: string | null;
  readonly lifecycleKey: string;
  readonly lifecycleVersion: number;
  readonly staffing: LifecycleStaffing | null;
}

/** `seed … §…` from a definition's sources; null when there are none. */
export function citationOf(sources: readonly RatioSourceRef[] | undefined): string | null {
  if (!sources || sources.length === 0) return null;
  return sources.map((s) => [s.seed ? `seed ${s.seed}` : s.document, s.section].filter(Boolean).join(' ')).join('; ');
}

/** The social-worker ratio binding `c`, with its source; undefined when its lifecycle states none. */
export function socialWorkerRatio(c: StaffedCase): RatioSource | undefined {
  const ratio = c.staffing?.socialWorker;
  if (!ratio) return undefined;
  return { lifecycleKey: c.lifecycleKey, lifecycleVersion: c.lifecycleVersion, key: 'staffing.socialWorker.maxCasesEach', value: ratio.maxCasesEach, cited: citationOf(ratio.sources) };
}

/** The volunteer ratio binding `c`, with its source; undefined when its lifecycle states none. */
export function volunteerRatio(c: StaffedCase): RatioSource | undefined {
  const ratio = c.staffing?.volunteer;
  if (!ratio) return undefined;
  return { lifecycleKey: c.lifecycleKey, lifecycleVersion: c.lifecycleVersion, key: 'staffing.volunteer.minPerCase', value: ratio.minPerCase, cited: citationOf(ratio.sources) };
}

/** A social worker's load: the active cases they serve, and the strictest ratio among those cases. */
export interface WorkerLoad {
  readonly cases: number;
  /** The smallest `maxCasesEach` among the lifecycles of the worker's cases; undefined when none states one. */
  readonly ratio: RatioSource | undefined;
  readonly over: boolean;
}

/**
 * The load of a social worker who serves `cases` (active cases only). A worker serving cases of several
 * lifecycles is held to the strictest of their ratios: each lifecycle promises its persons a worker with
 * at most that many cases. Guarantees: `over` iff some ratio applies and the count exceeds it.
 */
export function workerLoad(cases: readonly StaffedCase[]): WorkerLoad {
  let ratio: RatioSource | undefined;
  for (const c of cases) {
    const candidate = socialWorkerRatio(c);
    if (candidate && (ratio === undefined || candidate.value < ratio.value)) ratio = candidate;
  }
  return { cases: cases.length, ratio, over: ratio !== undefined && cases.length > ratio.value };
}

/** A message naming the worker, their count and the ratio with its source. */
export function describeOverload(worker: { readonly id: string; readonly name: string }, load: WorkerLoad): string {
  const ratio = load.ratio as RatioSource;
  return (
    `social worker ${worker.name} (${worker.id}) would serve ${load.cases} active cases, more than ${ratio.value} ` +
    `(1:${ratio.value}, ${ratio.key} of lifecycle ${ratio.lifecycleKey} v${ratio.lifecycleVersion}${ratio.cited ? `, ${ratio.cited}` : ''})`
  );
}

// ---- the measure at an instant ---------------------------------------------------------------

/** A member of the vendor's staff at the instant measured. */
export interface StaffMemberAt {
  readonly id: string;
  readonly name: string;
  readonly kind: StaffKind;
}

/** A case active at the instant, with the members assigned to it then (members at that instant only). */
export interface CaseStaffingAt extends StaffedCase {
  readonly socialWorkerIds: readonly string[];
  readonly volunteerIds: readonly string[];
}

/** What the measure reads: the vendor's staff and active cases at one instant. */
export interface StaffingSnapshot {
  readonly vendorId: string;
  /** Only this contract's cases are measured (a worker's load still counts all the vendor's cases). */
  readonly contractId?: string | undefined;
  readonly at: string;
  readonly staff: readonly StaffMemberAt[];
  readonly cases: readonly CaseStaffingAt[];
}

export interface OverloadedWorker {
  readonly staffId: string;
  readonly name: string;
  readonly cases: number;
  readonly caseIds: readonly string[];
  readonly ratio: RatioSource;
}

export interface CaseWithoutSocialWorker {
  readonly caseId: string;
  readonly contractId: string | null;
  readonly ratio: RatioSource;
}

export interface CaseShortOfVolunteers {
  readonly caseId: string;
  readonly contractId: string | null;
  readonly volunteers: number;
  readonly ratio: RatioSource;
}

/** A vendor's (or one contract's) staffing at an instant, and its breaches of the lifecycles' ratios. */
export interface StaffingMeasure {
  readonly vendorId: string;
  readonly contractId: string | null;
  readonly at: string;
  readonly activeCases: number;
  readonly socialWorkers: number;
  readonly volunteers: number;
  readonly overloadedWorkers: readonly OverloadedWorker[];
  readonly casesWithoutSocialWorker: readonly CaseWithoutSocialWorker[];
  readonly casesShortOfVolunteers: readonly CaseShortOfVolunteers[];
  /** overloaded workers + cases without a social worker + cases short of volunteers: the `staffingBreaches` count. */
  readonly breaches: number;
}

/**
 * Measures staffing at the snapshot's instant. Guarantees, for the cases in scope (the contract's, or all):
 * a social worker is listed when the active cases they serve (all of the vendor's) exceed the strictest
 * `maxCasesEach` among them, and they serve at least one case in scope; a case is listed without a social
 * worker when its lifecycle states a social-worker ratio and no member social worker serves it; a case is
 * listed short of volunteers when it has fewer member volunteers than its `minPerCase`. Lists are sorted
 * by id, so equal snapshots give equal measures.
 */
export function measureStaffing(snapshot: StaffingSnapshot): StaffingMeasure {
  const inScope = (c: StaffedCase) => snapshot.contractId === undefined || c.contractId === snapshot.contractId;
  const byWorker = new Map<string, CaseStaffingAt[]>();
  for (const c of snapshot.cases) {
    for (const id of new Set(c.socialWorkerIds)) byWorker.set(id, [...(byWorker.get(id) ?? []), c]);
  }
  const overloadedWorkers: OverloadedWorker[] = [];
  for (const member of snapshot.staff) {
    const cases = byWorker.get(member.id) ?? [];
    if (member.kind !== 'socialWorker' || !cases.some(inScope)) continue;
    const load = workerLoad(cases);
    if (load.over && load.ratio) {
      overloadedWorkers.push({ staffId: member.id, name: member.name, cases: load.cases, caseIds: cases.map((c) => c.caseId).sort(), ratio: load.ratio });
    }
  }
  const scoped = snapshot.cases.filter(inScope);
  const casesWithoutSocialWorker: CaseWithoutSocialWorker[] = [];
  const casesShortOfVolunteers: CaseShortOfVolunteers[] = [];
  for (const c of scoped) {
    const workerRatio = socialWorkerRatio(c);
    if (workerRatio && c.socialWorkerIds.length === 0) casesWithoutSocialWorker.push({ caseId: c.caseId, contractId: c.contractId, ratio: workerRatio });
    const volunteers = new Set(c.volunteerIds).size;
    const needed = volunteerRatio(c);
    if (needed && volunteers < needed.value) casesShortOfVolunteers.push({ caseId: c.caseId, contractId: c.contractId, volunteers, ratio: needed });
  }
  const byId = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  overloadedWorkers.sort(byId((w) => w.staffId));
  casesWithoutSocialWorker.sort(byId((c) => c.caseId));
  casesShortOfVolunteers.sort(byId((c) => c.caseId));
  return {
    vendorId: snapshot.vendorId,
    contractId: snapshot.contractId ?? null,
    at: snapshot.at,
    activeCases: scoped.length,
    socialWorkers: snapshot.staff.filter((m) => m.kind === 'socialWorker').length,
    volunteers: snapshot.staff.filter((m) => m.kind === 'volunteer').length,
    overloadedWorkers,
    casesWithoutSocialWorker,
    casesShortOfVolunteers,
    breaches: overloadedWorkers.length + casesWithoutSocialWorker.length + casesShortOfVolunteers.length,
  };
}

/** The instant a calendar day (YYYY-MM-DD) begins in China (+08:00): membership days are China days. */
export function chinaDayStart(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - 8 * 3_600_000);
}
