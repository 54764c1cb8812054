/**
 * The procurement interpreter's vocabulary: the state it keeps, the events it is told about and the
 * commands it asks its host (the Temporal workflow) to carry out. Everything here is plain JSON, so it
 * survives Temporal payloads, continue-as-new and the read model alike. Amounts are integer fen.
 */
import type { CalendarDefinition } from '../../src/definitions/calendars/calendar.schema.js';
import type { DecisionOutcome, ProcedureDefinition } from '../../src/definitions/procedure/procedure.schema.js';

import type { ChallengeFinding, EngineStatus, StepOutcome, TaskKind, TaskStatus } from '../../src/procurement/lifecycle.js';

// The lifecycle's states and kinds are declared once, in src/procurement/lifecycle.ts.
export { CHALLENGE_FINDINGS, type ChallengeFinding, type EngineStatus, type TaskKind } from '../../src/procurement/lifecycle.js';

export type { ProcedureDefinition };
export type Outcome = (typeof DecisionOutcome.options)[number];

/** Which steps an interpreter runs: the cycle's first three, or one awarded vendor's contract steps. */
export type EngineScope = 'cycle' | 'contract';

export type FieldValue = string | number | boolean;
export type FormValues = Record<string, FieldValue>;

/** Who acts, as the API authenticated them. */
export interface Actor {
  readonly userId: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly jurisdiction: string;
  /** Set for staff of an undertaking organisation: they act only for that vendor (its bids, its contract). */
  readonly vendorId?: string;
}

/**
 * Roles that may hand in a bid: the vendor's own staff, or the procurement centre (and administrators)
 * entering it on the vendor's behalf, which the audit trail records as such.
 */
export const BIDDING_ROLES = ['vendor', 'procurement-centre', 'administrator'] as const;


/** One opening of a human task (a node can open several times when the flow loops back). */
export interface TaskInstance {
  /** `<nodeId>#<n>` — unique within the workflow, stable across replays. */
  readonly id: string;
  readonly nodeId: string;
  readonly stepId: string;
  readonly kind: TaskKind;
  readonly role: string;
  /** Roles that may also decide once the SLA has passed. */
  readonly escalatedTo: readonly string[];
  readonly title: { zh: string; en: string };
  readonly openedAt: string;
  /** End of the day the task is due (ISO instant), if it has an SLA. */
  readonly dueAt?: string;
  /** The role that takes over when the task is overdue. */
  readonly escalateTo?: string;
  /** When `dueAt` counts from an event of the procedure rather than the opening: that event (`node:<id>`, `node:<id>:<outcome>`, `notice:<id>`). */
  readonly dueAfter?: string;
  readonly status: TaskStatus;
  readonly outcome?: Outcome;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  /** For ledger tasks: the period (1-based) they belong to. */
  readonly period?: number;
  /**
   * For ledger submissions: the lines filled from case evidence (`source: { cases }`), which the vendor
   * does not type and which hold 0 until that evidence exists (definitions/README.md).
   */
  readonly awaitingCaseEvidence?: readonly string[];
  /**
   * For a ledger submission with lines compiled from case evidence, once submitted, and the confirmation it
   * opens: the instant the evidence was counted up to (the submission's), so the confirming office sees as of when.
   */
  readonly caseEvidenceThrough?: string;
  /**
   * For evaluations: the indicators whose score the definition computes from the contract's KPIs
   * (`indicators[].score`), which the evaluator does not give; the decision records each computed value.
   */
  readonly computedIndicators?: readonly string[];
  /** The parallel node a sign-off belongs to. */
  readonly parallelId?: string;
}


/** A bidder's challenge (质疑) against the result, as the cycle keeps it. */
export interface Challenge {
  readonly challengeId: string;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly filedBy: { readonly userId: string; readonly name: string };
  readonly filedAt: string;
  readonly grounds: string;
  /** The filer says the challenge may affect the result: while it is open, signing is suspended (Regs art. 54). */
  readonly affectsResult: boolean;
  /** The task of the role that answers it. */
  readonly taskId: string;
  /** When the answer is due (end of that day); absent when the calendar year is missing. */
  readonly answerDueAt?: string;
  readonly status: 'open' | ChallengeFinding;
  readonly answeredAt?: string;
  readonly answeredBy?: string;
  readonly reasons?: string;
}

/**
 * A contract's signing held by open challenges: which ones, since when, and the time each task's clock
 * still had when it stopped (milliseconds), to run on from the moment the last challenge is answered.
 */
export interface SigningHold {
  readonly challengeIds: string[];
  readonly since: string;
  readonly remainingMs: Record<string, number>;
}

/**
 * A signed contract's performance suspended by open challenges (Implementing Regulations art. 54:
 * 已经签订合同的，应当中止履行合同): no task of it can be decided and every clock of it stands still.
 */
export interface PerformanceHold {
  readonly challengeIds: string[];
  readonly since: string;
  /** Time each open task had left until its `dueAt` when the hold began, by task id. */
  readonly remainingMs: Record<string, number>;
  /** Time each pending timer had left when the hold began, by timer id: restarted with it on resumption. */
  readonly timersMs: Record<string, number>;
}

/** What a cycle tells its contracts about a challenge that may affect the result. */
export type SigningChange = 'suspend' | 'resume' | 'void';

export interface Bid {
  readonly bidId: string;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly priceFen: number;
  /** Whether the vendor was qualified and not suspended when the bid arrived. */
  readonly qualified: boolean;
  readonly submittedAt: string;
  /** Who handed the bid in, in which role, and whether on the vendor's behalf (not its own staff). */
  readonly enteredBy?: { readonly userId: string; readonly name: string; readonly role: string; readonly onBehalf: boolean };
  /**
   * The vendor's performance history as the registry had it when the bid was accepted (`vendor.history` of
   * computed scoring criteria). Carried in the bid because workflow code cannot read the database; absent
   * in bids from before it was carried, which read as no history.
   */
  readonly history?: VendorHistorySummary;
  /**
   * Why the bid may not win (`selection.awards.eligibility.reason`), set when it is accepted and the award
   * rule does not hold for it; absent when it may win or the definition has no rule.
   */
  readonly ineligible?: string;
}

/** `vendor.history` (src/definitions/procedure/procedure-scopes.ts, VENDOR_HISTORY_SHAPE): all zero/false with no history. */
export interface VendorHistorySummary {
  readonly count: number;
  readonly lastScore: number;
  readonly meanScore: number;
  readonly lastPassed: boolean;
}

/** A decided evaluation as the vendor's performance history records it. */
export interface EvaluationRecord {
  readonly vendorId: string;
  readonly vendorName: string;
  readonly score: number;
  readonly passed: boolean;
  /** Each indicator group's score (`business`, `financial`), when the evaluation has that group. */
  readonly groups: Record<string, number>;
  /** The grade band of `performance.evaluation.grades` the score falls in; null without bands, or below them all. */
  readonly grade: { readonly min: number; readonly label: { zh: string; en: string } } | null;
  /** The performance period evaluated (1-based); null for the evaluation of the whole contract. */
  readonly period: number | null;
  /**
   * With `period`: the last ledger period the evaluation covers, when it covers several (a mid-term
   * evaluation of periods 1–6 has `period` 1 and `periodThrough` 6). Absent for the whole contract.
   */
  readonly periodThrough?: number;
  readonly evaluator: { readonly userId: string; readonly name: string; readonly role: string };
  /** Whether the definition's exit condition held, i.e. this evaluation suspended the vendor. */
  readonly exited: boolean;
}

export interface Winner {
  readonly bidId: string;
  readonly vendorId: string;
  readonly vendorName: string;
  readonly amountFen: number;
  readonly score: number;
}

/** The values expressions see (definitions/README.md, "Expressions"), in JSON form (ints as numbers). */
export interface EngineValues {
  inputs: Record<string, FieldValue>;
  derived: Record<string, FieldValue>;
  forms: Record<string, FormValues>;
  budget?: Record<string, number>;
  selection?: { method: string; round: number; receivedBids: number; qualifiedBids: number; winners: number };
  contract?: { amount: number; vendorId: string; vendorName: string; funds: Record<string, number> };
  /** `latePeriods` and `daysLate`: lateness of the confirmed periods' ledgers (absent in states from before they were counted). */
  ledger?: { periods: number; totals: Record<string, number>; latePeriods?: number; daysLate?: number };
  kpis?: Record<string, FieldValue>;
  /** The score, whether it passed, and the score of each indicator group the evaluation has (`business`, `financial`). */
  evaluation?: { score: number; passed: boolean; business?: number; financial?: number };
  acceptance?: { passed: boolean };
  /**
   * What the contract has paid so far, in fen: every tranche instructed to the treasury (the export is
   * outside the workflow), in total and per tranche (0 until it is paid). Absent in states from before it.
   */
  payments?: { paidFen: number; byTranche: Record<string, number> };
  /**
   * The closed periods of each period group, oldest first, with the KPIs of each period's own lines:
   * `ledger`, and each review group by its id (`performance.reviews`). Absent in states from before it.
   */
  periods?: { ledger: ClosedPeriod[]; [reviewId: string]: ClosedPeriod[] };
}

/**
 * One closed period: its number (1-based) and its KPIs computed on its own lines alone. A KPI that
 * cannot be computed on one period (a division by a count that is 0 in it) is left out, so an
 * expression reading it fails naming it rather than reading a made-up value.
 */
export interface ClosedPeriod {
  period: number;
  kpis: Record<string, FieldValue>;
  /** For a review group's period: whether its `passWhen` held (absent in the ledger's periods). */
  passed?: boolean;
}

/** A review group's period (`performance.reviews`), reviewed when the last of its ledger periods was confirmed. */
export interface PeriodReview {
  readonly reviewId: string;
  readonly title: { zh: string; en: string };
  /** The review period (1-based): the quarter, for a review of every 3 monthly periods. */
  readonly period: number;
  /** The ledger periods it covers, first and last (1-based, inclusive). */
  readonly fromPeriod: number;
  readonly toPeriod: number;
  /** Its KPIs on those periods' lines alone; a KPI that could not be computed on them is left out. */
  readonly kpis: Record<string, FieldValue>;
  /** Whether its `passWhen` held (true without one; false when it could not be computed). */
  readonly passed: boolean;
}

export interface EngineState {
  readonly scope: EngineScope;
  status: EngineStatus;
  /** Index into definition.steps of the step running now. */
  stepIndex: number;
  /** The node the flow is at (a parallel node while its sign-offs are open). */
  nodeId: string | null;
  values: EngineValues;
  tasks: TaskInstance[];
  /** How often each node has been entered, for task instance ids. */
  visits: Record<string, number>;
  /** Who decided each task node, for four-eyes rules. */
  deciders: Record<string, string[]>;
  /** Nodes that completed successfully, for tranche triggers. */
  succeeded: string[];
  /** Vendor selection. */
  bids: Bid[];
  /**
   * Roles that approved the procurement method since it was last chosen (`selection.methods.approvedBy`,
   * `whenTooFew.approvedBy`); bidding opens only once the roles the definition names are here.
   * Absent in states from before approvals were tracked, which read as none.
   */
  methodApprovals?: string[];
  /** The invitation list of an invited tender, as decided in `selection.invitations.decidedIn`. */
  invitations?: { taskId: string; decidedBy: string; vendors: Array<{ vendorId: string; vendorName: string }> };
  biddingOpen: boolean;
  winners: Winner[];
  /**
   * Ledger periods: the period running now (1-based), how many there are, and, for a node with `through`,
   * the last period the running node covers (absent: the last of the term).
   */
  ledgerPeriod?: {
    current: number;
    count: number;
    startedAt: string;
    through?: number;
    /** Periods opening on their own: the period whose start a `ledger:<n>` timer waits for (absent: none yet). */
    awaiting?: number;
  };
  /**
   * The periods confirmed out of turn, beyond `ledgerCalendar.closedThrough` (periods opening on their own
   * are confirmed in any order). Absent in states from before they could be.
   */
  ledgerConfirmed?: number[];
  /**
   * The contract's ledger calendar, kept across its ledgerPeriods nodes: the node that started it, when,
   * how many periods, the last one confirmed and the last one an evaluation covered. Absent in states
   * from before several ledgerPeriods nodes could share it.
   */
  ledgerCalendar?: { startedBy: string; startedAt: string; count: number; closedThrough: number; evaluatedThrough: number };
  /** Every review period reviewed so far (`performance.reviews`), oldest first. Absent before the first. */
  reviews?: PeriodReview[];
  /** Confirmed ledger lines per period, summed per line. */
  ledgerLines: Record<string, FormValues>;
  /** Days each period's ledger was first submitted after the end of its due day (0: on time), by period. */
  ledgerLateness?: Record<string, number>;
  /** When the contract's term ends: the end of its last ledger period (absent before the periods start). */
  termEndsAt?: string;
  paidTranches: string[];
  paidFen: number;
  /** Each service level's measurement per confirmed ledger period (`contract.serviceLevels[].measuredBy`). Absent before any. */
  serviceLevels?: ServiceLevelMeasurement[];
  /** Why the cycle ended, when it did not complete. */
  endReason?: string;
  /**
   * When each event of the procedure last happened (ISO instant), for deadlines counted from it:
   * `node:<id>` when a node succeeded, `node:<id>:<outcome>` when a task was decided so, `notice:<id>`
   * when a notice was published. A contract starts with its cycle's events. Absent in states saved
   * before deadlines after events existed.
   */
  events?: Record<string, string>;
  /** Challenges filed against the cycle's result (absent in states from before challenges existed). */
  challenges?: Challenge[];
  /** A contract's signing suspended by open challenges (Implementing Regulations art. 54). */
  signingHold?: SigningHold;
  /** A signed contract's performance suspended by open challenges (absent in states from before it existed). */
  performanceHold?: PerformanceHold;
  /**
   * The exit mechanism fired (`performance.exit`): when, why, and the tranches it withholds, which are
   * not paid from then on. Absent while it has not.
   */
  exit?: { at: string; reason: string; withholds: string[] };
  /** Sequence of the next command: with the workflow id, the idempotency key of its side effects. */
  seq: number;
}

/** A service level measured on one confirmed ledger period: the KPI's value from that period's lines, and whether it met the target. */
export interface ServiceLevelMeasurement {
  readonly serviceLevelId: string;
  readonly title: { zh: string; en: string };
  readonly kpiId: string;
  readonly period: number;
  readonly value: FieldValue;
  readonly target: boolean | { min?: number; max?: number };
  readonly met: boolean;
}

/** Things that happen to a running procedure. `at` is workflow time (ISO instant). */
export type EngineEvent =
  | { type: 'start'; at: string }
  | {
      type: 'taskDecided';
      at: string;
      taskId: string;
      outcome: Outcome;
      actor: Actor;
      fields: FormValues;
      comment?: string;
      payload?: TaskPayload;
      requestId?: string;
      /**
       * A ledger submission's case lines as the contract's case evidence gave them (the workflow asked for
       * them at the submission instant), or `pending` when an update validator checks the submission
       * before the workflow asks (everything is checked but the conditions across lines).
       */
      caseEvidence?: CaseEvidence | 'pending';
    }
  | { type: 'timerFired'; at: string; timerId: string }
  | { type: 'bidSubmitted'; at: string; bid: Bid; actor: Actor }
  | { type: 'cancel'; at: string; actor: Actor; reason: string; requestId?: string }
  /** A bidder files a challenge against the cycle's result. */
  | { type: 'challengeFiled'; at: string; actor: Actor; challengeId: string; grounds: string; affectsResult: boolean; requestId?: string }
  /** A contract learns from its cycle that a challenge suspends, resumes or voids its signing. */
  | {
      type: 'signingChanged';
      at: string;
      challengeId: string;
      change: SigningChange;
      reason: string;
      /**
       * Set by contract workflows that hold a signed contract's performance too (histories from before
       * held only signing), with the timers pending in the contract when told (id → ISO instant): the
       * host keeps them, and a hold stops them all.
       */
      holdsPerformance?: { readonly timers: Readonly<Record<string, string>> };
    }
  /** A cycle learns that one of its contracts recorded an event (e.g. published the result notice), for deadlines counted from it. */
  | { type: 'contractEvent'; at: string; key: string }
  /** Ops staff repair an open task: extend its deadline, hand it to another role, or escalate it now (task-repairs.ts). */
  | { type: 'taskRepaired'; at: string; actor: Actor; taskId: string; repair: TaskRepair; reason: string; requestId?: string };

/**
 * What ops staff may do to an open task. An extension names the new due time (`until`) or a number of
 * working days added to the current one on the jurisdiction's calendar (`workingDays`).
 */
export type TaskRepair = { kind: 'extend'; until?: string; workingDays?: number } | { kind: 'reassign'; role: string } | { kind: 'escalate' };

/** What the special tasks carry besides form fields. */
export type TaskPayload =
  | { kind: 'award'; scores: Record<string, Record<string, number>>; winners: Array<{ bidId: string; amountFen: number }> }
  | { kind: 'evaluation'; scores: Record<string, number> }
  | { kind: 'acceptance'; passed: boolean; recipientOpinions: string[] }
  | { kind: 'ledger'; lines: FormValues }
  /** The vendors invited to an invited tender, as the API found them in the registry (verified, not suspended). */
  | { kind: 'invitations'; vendors: Array<{ vendorId: string; vendorName: string }> };

/** What the host must do. Each command carries its sequence number for idempotent side effects. */
export type EngineCommand =
  | { type: 'stepEntered'; seq: number; at: string; stepId: string; stepKind: string }
  | { type: 'stepEnded'; seq: number; at: string; stepId: string; outcome: StepOutcome }
  | { type: 'taskOpened'; seq: number; task: TaskInstance }
  | { type: 'taskClosed'; seq: number; task: TaskInstance; comment?: string; actor?: Actor; fields?: FormValues; requestId?: string }
  | { type: 'startTimer'; seq: number; timerId: string; until: string; purpose: TimerPurpose }
  | { type: 'cancelTimer'; seq: number; timerId: string }
  /**
   * A task's deadline passed with the task still open, and it escalated: the miss stands in the audit
   * trail. `dueAfter` names the event a deadline the law counts from an event ran from (`due:`); an SLA
   * (`sla:`), counted from the task's opening, has none.
   */
  | { type: 'taskOverdue'; seq: number; at: string; task: TaskInstance; dueAt: string; dueAfter?: string }
  | { type: 'publishNotice'; seq: number; at: string; noticeId: string; kind: string; title: { zh: string; en: string }; lines: Array<{ label: { zh: string; en: string }; value: string }> }
  | { type: 'biddingOpened'; seq: number; at: string; until: string; round: number; method: string }
  | { type: 'biddingClosed'; seq: number; at: string; received: number; qualified: number; enough: boolean }
  | { type: 'startContracts'; seq: number; at: string; winners: Winner[] }
  | { type: 'instructPayment'; seq: number; at: string; trancheId: string; fund?: string; amountFen: number; vendorId: string; vendorName: string }
  /** `reinstatedBy`: the role the definition names to reinstate the vendor (`performance.exit.reinstatedBy`); absent, none. */
  | { type: 'suspendVendor'; seq: number; at: string; vendorId: string; reason: string; reinstatedBy?: string }
  /** An evaluation was decided: it goes into the vendor's performance history. */
  | { type: 'recordEvaluation'; seq: number; at: string; evaluation: EvaluationRecord }
  /** A tranche reached its payment node after the exit mechanism withheld it: not paid, for the audit trail. */
  | { type: 'withholdTranche'; seq: number; at: string; trancheId: string; amountFen: number; vendorId: string; reason: string }
  /**
   * A tranche's amount was more than its fund has left of its share of the contract: `amountFen` is what its
   * expression gave, `paidFen` what is paid (the rest of the share), for the audit trail; `instructPayment` follows when above 0.
   */
  | { type: 'capTranche'; seq: number; at: string; trancheId: string; fund: string; amountFen: number; paidFen: number; fundShareFen: number; vendorId: string }
  /** A review group's period closed: its KPIs and whether it passed (for the contract's read model). */
  | { type: 'periodReviewed'; seq: number; at: string; review: PeriodReview }
  /** A confirmed ledger period measured a service level of the contract (for the contract's read model). */
  | { type: 'serviceLevelMeasured'; seq: number; at: string; measurement: ServiceLevelMeasurement }
  | { type: 'ended'; seq: number; at: string; status: EngineStatus; reason?: string }
  /** A person cancelled the scope (for the audit trail, with the request that did it); `ended` follows once it has stopped. */
  | { type: 'cancelled'; seq: number; at: string; actor: Actor; reason: string; requestId?: string }
  /** A challenge was filed, or answered: the read model keeps it, the audit trail records it. */
  | { type: 'challengeRecorded'; seq: number; at: string; challenge: Challenge; actor: Actor; requestId?: string }
  /** The cycle must tell its running contracts that a challenge suspends, resumes or voids their signing. */
  | { type: 'signContracts'; seq: number; at: string; challengeId: string; change: SigningChange; reason: string }
  /**
   * A contract's signing was suspended, resumed (its clocks running on) or voided by a challenge: for the
   * audit trail. `held: 'performance'` when it was a signed contract's performance.
   */
  | { type: 'signingChanged'; seq: number; at: string; challengeId: string; change: SigningChange; reason: string; tasks: TaskInstance[]; held?: 'performance' }
  /** Something ops staff must fix for the procedure to run as defined (e.g. a missing business calendar). */
  | { type: 'incident'; seq: number; at: string; message: string }
  /**
   * Ops staff repaired an open task (`task` as it is now, `before` as it was): for the audit trail, and so
   * the read model forgets a miss an extension undid. A `taskOpened` with the new task precedes it.
   */
  | { type: 'taskRepaired'; seq: number; at: string; actor: Actor; task: TaskInstance; before: { role: string; escalatedTo: readonly string[]; dueAt?: string }; repair: TaskRepair; reason: string; requestId?: string };

export type TimerPurpose = 'wait' | 'sla' | 'bidding' | 'ledgerPeriod';

/** Result of one interpreter step: the next state and what to do, or why the event is refused. */
export type Decision =
  | { readonly ok: true; readonly state: EngineState; readonly commands: readonly EngineCommand[] }
  | {
      readonly ok: false;
      readonly code: RefusalCode;
      readonly message: string;
      readonly field?: string;
      /** Each field a refusal involves, with what is wrong with it (a broken check names every field it reads). */
      readonly problems?: ReadonlyArray<{ readonly field: string; readonly problem: string }>;
    };

/** Why an event is refused; the API maps these to HTTP statuses (403, 409, 422). */
export type RefusalCode = 'forbidden' | 'conflict' | 'invalid';

/** The values of a ledger period's case lines (`source: { cases }`), counted from the contract's cases up to an instant. */
export interface CaseEvidence {
  /** The instant the evidence is counted up to: the submission's (workflow time). */
  readonly through: string;
  /** Each case line's value, by line id. */
  readonly lines: Readonly<Record<string, number>>;
}

/** Everything fixed for the whole run, passed in when the workflow starts. */
export interface EngineContext {
  readonly definition: ProcedureDefinition;
  /** Business calendars by year, for SLAs in business days. */
  readonly calendars: readonly CalendarDefinition[];
  /** The cycle's jurisdiction code: actors must hold it. */
  readonly jurisdiction: string;
  /**
   * Evaluations are recorded in the vendor's performance history (`recordEvaluation`). The contract
   * workflow sets it behind a patch: runs recorded before it replay without the command.
   */
  readonly recordsEvaluations?: boolean;
  /**
   * Set by contract workflows recorded before the contract's term held its performance step: their
   * ledger periods complete at the last confirmation, and no tranche waits for the term's end.
   */
  readonly termEndsAtLastLedger?: boolean;
  /**
   * Set by contract workflows recorded before a ledger that opens after its due day (its predecessor was
   * confirmed late) was given until the end of the day it opens: theirs is due, and late, from the due day.
   */
  readonly ledgerDueFromDueDayOnly?: boolean;
  /**
   * Set by contract workflows recorded before the tranches of one fund were capped at the fund's share of
   * the contract (`contract.funds.<fund>`): theirs pay what their amounts give, checked only against the contract.
   */
  readonly tranchesUncappedByFund?: boolean;
  /**
   * Set by contract workflows recorded before the final part of the money waited for the term: theirs may
   * bring the paid total up to the contract amount before the term has ended.
   */
  readonly fullPaymentBeforeTerm?: boolean;
  /**
   * Set by contract workflows recorded before each period's ledger opened on its own: theirs open in turn,
   * a period's only once the one before it is confirmed (or at its start when that came first).
   */
  readonly ledgerPeriodsInTurn?: boolean;
  /**
   * Set by contract workflows recorded before an evaluation's history record named the role of whoever
   * decided it: theirs name the evaluation task's role, even when an escalation target decided.
   */
  readonly evaluatorRoleOfTask?: boolean;
  /**
   * Set by contract workflows recorded before each fund's share of the contract (`contract.funds.<fund>`)
   * took its part of the rounding remainder: theirs are each rounded down, and may add up to less than the contract.
   */
  readonly fundSharesRoundedDown?: boolean;
  /**
   * Set by contract workflows recorded before ledger lines were compiled from case evidence at submission:
   * their case lines hold 0 and their submissions list them as awaiting case evidence.
   */
  readonly caseLinesHoldZero?: boolean;
}
