import { z } from 'zod';
import { STEP_OUTCOMES } from '../../procurement/lifecycle.js';
import { API_VERSION, CamelId, Deadline, IsoDuration, KebabId, LocalizedText, Metadata, Sources } from '../schema/common.schema.js';
import { CONTRACT_TERMS, PROCUREMENT_METHODS, type ProcurementMethodT } from './procedure-vocabulary.js';

/**
 * The Procedure kind: one jurisdiction's six-step purchase procedure (DESIGN.md §2) as data.
 * This schema is the single source of truth for the shape of a procedure; the types below are
 * inferred from it and the JSON Schema in definitions/schema/ is generated from it.
 */

/** An expression in CEL, type-checked when the definition is compiled (see definitions/README.md). */
export const Expression = z.string().min(1, 'must not be empty');

/** Value types of inputs, form fields and derived values. `money` is an integer number of fen. */
export const ValueType = z.enum(['int', 'money', 'string', 'bool', 'date']);

/** A typed value a person enters: a cycle input or a field of a task's form. */
/** What a sealed bid may disclose once bidding has closed (the bid opening record, 开标记录). */
export const BID_DISCLOSURES = ['vendorName', 'priceFen', 'score'] as const;

export const FieldDefinition = z
  .object({
    id: CamelId,
    title: LocalizedText,
    type: ValueType,
    required: z.boolean().default(true),
    /** Bounds of int and money values (money in fen). */
    min: z.int().optional(),
    max: z.int().optional(),
    /** Bounds of string lengths. */
    minLength: z.int().min(0).optional(),
    maxLength: z.int().min(1).optional(),
    /** The only values a string may take. */
    oneOf: z.array(z.string().min(1)).min(1).optional(),
    default: z.union([z.int(), z.string(), z.boolean()]).optional(),
    /**
     * A value only these roles may read (e.g. a pre-sentence investigation opinion, seed 004): other
     * roles' answers, public notices, logs and error messages never show it.
     */
    confidential: z.object({ readableBy: z.array(KebabId).min(1) }).strict().optional(),
    sources: Sources.optional(),
  })
  .strict();

/**
 * A condition over the fields of one form (a task's form, the cycle's inputs or a ledger's lines) that
 * a submission must meet, e.g. seed 002's 1:20 ratio `socialWorkers * 20 >= personsServed`. It names
 * the form's fields by their ids, and may read `inputs` and `derived`; a submission that breaks it is
 * refused with its message, naming the fields it reads.
 */
export const FieldCheck = z
  .object({
    expr: Expression,
    message: LocalizedText,
    sources: Sources.optional(),
  })
  .strict();

export const DerivedValue = z
  .object({
    id: CamelId,
    title: LocalizedText,
    type: ValueType,
    expr: Expression,
    sources: Sources.optional(),
  })
  .strict();

export const Role = z.object({ id: KebabId, title: LocalizedText, sources: Sources.optional() }).strict();

/** What an actor may decide on a task. `submit` is for drafting tasks, the others for reviews. */
export const DecisionOutcome = z.enum(['submit', 'approve', 'return', 'reject']);

export const Decision = z
  .object({
    outcome: DecisionOutcome,
    /** The node that runs after this decision: a node of the same step. */
    next: CamelId,
    /** Whether the actor must explain the decision (always for return and reject). */
    commentRequired: z.boolean().optional(),
  })
  .strict();

/**
 * An event of the procedure a deadline counts from: a node succeeding (a task approved or submitted, a
 * sign-off complete, a timer elapsed…), a task decided with one outcome, or a notice published. The
 * latest occurrence counts. A contract's steps also see the events of the cycle that awarded it.
 */
export const EventAnchor = z.union([
  z.object({ node: CamelId, outcome: DecisionOutcome.optional() }).strict(),
  z.object({ notice: CamelId }).strict(),
]);

/** A deadline counted from an event (e.g. filing within 7 working days of signing); missed, the task is overdue and escalates. */
export const DueAfterEvent = z.object({ after: EventAnchor, within: Deadline, escalateTo: KebabId }).strict();

/** A waiting period counted from an event (e.g. a notice period): the task cannot be decided before it has elapsed. */
export const NotBeforeEvent = z.object({ after: EventAnchor, elapsed: Deadline }).strict();

/** A human task: work or a sign-off assigned to a role, with a form, allowed decisions and an SLA. */
export const TaskNode = z
  .object({
    id: CamelId,
    type: z.literal('task'),
    title: LocalizedText,
    description: LocalizedText.optional(),
    role: KebabId,
    form: z.array(FieldDefinition).default([]),
    /** Conditions across the form's fields, checked on submit and approve (optional, so compiled definitions without checks keep their content hash). */
    checks: z.array(FieldCheck).optional(),
    decisions: z.array(Decision).min(1, 'must allow at least one decision'),
    /** Four-eyes: whoever decided any of these tasks (in this cycle) may not decide this one. */
    notDecidedBySameActorAs: z.array(CamelId).default([]),
    sla: z.object({ within: Deadline, escalateTo: KebabId }).strict().optional(),
    /** Due within a span after an event of the procedure instead of after the task opens (definitions/README.md, "Deadlines after an event"). */
    due: DueAfterEvent.optional(),
    /** Not to be decided before a span after an event has elapsed. */
    notBefore: NotBeforeEvent.optional(),
    sources: Sources.optional(),
  })
  .strict();

/** Several tasks open at once, decided in any order; the node completes when all are approved. */
export const ParallelNode = z
  .object({
    id: CamelId,
    type: z.literal('parallel'),
    title: LocalizedText,
    tasks: z.array(TaskNode).min(2, 'a parallel sign-off needs at least two tasks'),
    /** When every task is approved (or submitted). */
    next: CamelId,
    /** When any task is returned for revision (the others are withdrawn). */
    onReturn: CamelId.optional(),
    /** When any task is rejected. */
    onReject: CamelId.optional(),
    sources: Sources.optional(),
  })
  .strict();

/** Waits a span of time, e.g. a public comment period. */
export const TimerNode = z
  .object({
    id: CamelId,
    type: z.literal('timer'),
    title: LocalizedText,
    duration: Deadline,
    next: CamelId,
    sources: Sources.optional(),
  })
  .strict();

/** Chooses the first case whose condition holds, else `otherwise`. */
export const BranchNode = z
  .object({
    id: CamelId,
    type: z.literal('branch'),
    title: LocalizedText.optional(),
    cases: z.array(z.object({ when: Expression, next: CamelId }).strict()).min(1),
    otherwise: CamelId,
    sources: Sources.optional(),
  })
  .strict();

/** Publishes one of the procedure's public notices (information disclosure). */
export const PublishNode = z
  .object({
    id: CamelId,
    type: z.literal('publish'),
    notice: CamelId,
    next: CamelId,
    sources: Sources.optional(),
  })
  .strict();

/** Ends the step: `completed` moves on to the next step, `terminated` ends the whole cycle. */
export const EndNode = z
  .object({
    id: CamelId,
    type: z.literal('end'),
    outcome: z.enum(STEP_OUTCOMES),
    reason: LocalizedText.optional(),
  })
  .strict();

/** Vendor selection: opens bidding for a window; checks the number of qualified bids at its close. */
export const BiddingNode = z
  .object({
    id: CamelId,
    type: z.literal('bidding'),
    title: LocalizedText,
    window: Deadline,
    /** Enough qualified bids. */
    next: CamelId,
    /** Fewer qualified bids than `selection.bidding.minimumBidders`. */
    onTooFew: CamelId,
    sources: Sources.optional(),
  })
  .strict();

/** Vendor selection: the evaluation panel scores the qualified bids and names the winners. */
export const AwardNode = z
  .object({
    id: CamelId,
    type: z.literal('award'),
    title: LocalizedText,
    role: KebabId,
    next: CamelId,
    notDecidedBySameActorAs: z.array(CamelId).default([]),
    sla: z.object({ within: Deadline, escalateTo: KebabId }).strict().optional(),
    sources: Sources.optional(),
  })
  .strict();

/** Performance management: runs every ledger period of the contract (submission and confirmation). */
export const LedgerPeriodsNode = z
  .object({
    id: CamelId,
    type: z.literal('ledgerPeriods'),
    title: LocalizedText,
    /**
     * The last ledger period this node runs (an int expression, e.g. 6): the flow moves on once it is
     * confirmed, and the next ledgerPeriods node of the step runs on from the period after it, on the same
     * calendar. Absent (or the last period): the node runs to the end of the term and holds the term.
     */
    through: Expression.optional(),
    next: CamelId,
    sources: Sources.optional(),
  })
  .strict();

/** Performance management: the evaluator scores the indicators of `performance.evaluation`. */
export const EvaluationNode = z
  .object({
    id: CamelId,
    type: z.literal('evaluation'),
    title: LocalizedText,
    role: KebabId,
    next: CamelId,
    sla: z.object({ within: Deadline, escalateTo: KebabId }).strict().optional(),
    sources: Sources.optional(),
  })
  .strict();

/** Performance management: acceptance (验收), with service recipients' opinions when required. */
export const AcceptanceNode = z
  .object({
    id: CamelId,
    type: z.literal('acceptance'),
    title: LocalizedText,
    role: KebabId,
    next: CamelId,
    onFail: CamelId,
    sla: z.object({ within: Deadline, escalateTo: KebabId }).strict().optional(),
    sources: Sources.optional(),
  })
  .strict();

/** Instructs the payment of one tranche through the treasury. */
export const PaymentNode = z
  .object({
    id: CamelId,
    type: z.literal('payment'),
    tranche: CamelId,
    next: CamelId,
    sources: Sources.optional(),
  })
  .strict();

export const FlowNode = z.discriminatedUnion('type', [
  TaskNode,
  ParallelNode,
  TimerNode,
  BranchNode,
  PublishNode,
  EndNode,
  BiddingNode,
  AwardNode,
  LedgerPeriodsNode,
  EvaluationNode,
  AcceptanceNode,
  PaymentNode,
]);

/** The work inside one step: a graph of nodes starting at `start`, every path ending at an end node. */
export const Flow = z
  .object({
    start: CamelId,
    nodes: z.array(FlowNode).min(1),
  })
  .strict();

/** The node types every step kind may use. */
export const GENERIC_NODE_KINDS = ['task', 'parallel', 'timer', 'branch', 'publish', 'end'] as const satisfies readonly FlowNodeT['type'][];

/** The node types each step kind may use besides the generic ones. */
export const KIND_SPECIFIC_NODES = {
  budgeting: [],
  publicNotice: [],
  vendorSelection: ['bidding', 'award'],
  contractFiling: ['payment'],
  performanceManagement: ['ledgerPeriods', 'evaluation', 'acceptance', 'payment'],
  paymentRelease: ['payment'],
} as const;


const stepBase = {
  id: CamelId,
  title: LocalizedText,
  sources: Sources.min(1, 'must cite the source of the step'),
  flow: Flow,
  /**
   * Ops staff may reset a running cycle to the start of this step (`POST /ops/processes/{id}/reset`): what
   * happened in the cycle after the step was entered is undone, unless a payment, a published notice or a
   * started contract lies in it. Absent: the step cannot be reset.
   */
  resettable: z.boolean().optional(),
};

export const FundComponent = z
  .object({ id: CamelId, title: LocalizedText, amount: Expression, sources: Sources.optional() })
  .strict();

export const BudgetingStep = z
  .object({
    ...stepBase,
    kind: z.literal('budgeting'),
    budget: z
      .object({
        /**
         * The budget, and with it how the price is set: per supervised person (以人定费, seed 001 §二(四)), as
         * persons × a price per person, or per task (以事定费, seed 000 §九), as the cost of the work bought.
         * The expression is the pricing basis; there is no separate label for it to disagree with.
         */
        total: Expression,
        /** Named parts of the budget, such as working funds and activity funds; they must add up to `total`. */
        components: z.array(FundComponent).default([]),
      })
      .strict(),
  })
  .strict();

export const PublicNoticeStep = z.object({ ...stepBase, kind: z.literal('publicNotice') }).strict();

export const ProcurementMethod = z.enum(PROCUREMENT_METHODS);


/**
 * `selection.bidding.minimumBidders`: one number for every competitive method (single source always
 * needs exactly one), or a number per method, each absent method taking its default.
 */
export const MinimumBidders = z.union([
  z.int().min(1),
  z.object(Object.fromEntries(PROCUREMENT_METHODS.map((method) => [method, z.int().min(1).optional()])) as Record<ProcurementMethodT, z.ZodOptional<z.ZodInt>>).strict(),
]);


/**
 * Challenges (质疑): a bidder may file one in writing within `filing.within` after the notice
 * `filing.after` (the result notice: Government Procurement Law art. 52); it opens a task for
 * `answeredBy`, due `answer.within` after the filing and escalating to `answer.escalateTo` when missed
 * (art. 53). A challenge the filer says may affect the result suspends the contracts' signing and stops
 * its clocks until it is answered (Implementing Regulations art. 54).
 */
export const Challenges = z
  .object({
    filing: z.object({ after: z.object({ notice: CamelId }).strict(), within: Deadline }).strict(),
    answeredBy: KebabId,
    answer: z.object({ within: Deadline, escalateTo: KebabId }).strict(),
    sources: Sources.optional(),
  })
  .strict();

export const VendorSelectionStep = z
  .object({
    ...stepBase,
    kind: z.literal('vendorSelection'),
    selection: z
      .object({
        methods: z
          .object({
            allowed: z.array(ProcurementMethod).min(1),
            default: ProcurementMethod,
            /** The authority that must approve the chosen method (seed 003: finance / procurement authority). */
            approvedBy: KebabId.optional(),
            /** The task form field where the method is chosen; without it the default method applies. */
            chosenIn: z.object({ task: CamelId, field: CamelId }).strict().optional(),
          })
          .strict(),
        /**
         * Where the invitation list of an invited tender is decided (Government Procurement Law art. 34):
         * the task whose positive decision names the invited vendors. Required when invitedTender is allowed.
         */
        invitations: z.object({ decidedIn: CamelId, sources: Sources.optional() }).strict().optional(),
        qualification: z
          .object({
            verifiedBy: KebabId,
            criteria: z
              .array(z.object({ id: CamelId, title: LocalizedText, sources: Sources.optional() }).strict())
              .min(1, 'must list the qualification criteria'),
          })
          .strict(),
        bidding: z
          .object({
            /** Fewest qualified bids per round; absent, the law's defaults (DEFAULT_MINIMUM_BIDDERS). */
            minimumBidders: MinimumBidders.optional(),
            /**
             * Sealed bids: while bidding is open, prices are seen only by these roles (none when absent)
             * and each vendor its own bid; once bidding has closed, everyone in the jurisdiction sees what
             * `disclosedAfterOpening` lists of every bid.
             */
            sealed: z
              .object({
                readableBy: z.array(KebabId).default([]),
                disclosedAfterOpening: z.array(z.enum(BID_DISCLOSURES)).default([...BID_DISCLOSURES]),
              })
              .strict()
              .default({ readableBy: [], disclosedAfterOpening: [...BID_DISCLOSURES] }),
            whenTooFew: z
              .object({
                action: z.enum(['retender', 'switchMethod']),
                maxRounds: z.int().min(1).max(5).default(2),
                switchTo: z.array(ProcurementMethod).default([]),
                approvedBy: KebabId.optional(),
              })
              .strict(),
          })
          .strict(),
        evaluation: z
          .object({
            criteria: z
              .array(
                z
                  .object({
                    id: CamelId,
                    title: LocalizedText,
                    weight: z.int().min(1).max(100),
                    /**
                     * The criterion's score (0–100) computed for each bid from this int expression in the bid scope
                     * (`bid.priceFen`, `vendor.history.*`) instead of being given by the panel.
                     */
                    computed: Expression.optional(),
                    sources: Sources.optional(),
                  })
                  .strict(),
              )
              .min(1),
            /** Lowest weighted score (0–100) a bid may have and still win. */
            passScore: z.int().min(0).max(100).default(0),
          })
          .strict(),
        awards: z
          .object({
            minWinners: z.int().min(1).default(1),
            maxWinners: z.int().min(1),
            /**
             * Who may win (seed 000 §十: evaluation results inform the choice of vendor): a bid whose `when`
             * (a bool expression in the bid scope, `vendor.history.*`) is false cannot be named a winner, and
             * the bids list shows it as not eligible with `reason`. Absent: every qualified bid may win.
             */
            eligibility: z.object({ when: Expression, reason: LocalizedText, sources: Sources.optional() }).strict().optional(),
          })
          .strict(),
        /** Challenges (质疑) by bidders against the result, and who answers them (Government Procurement Law arts. 52–53). */
        challenges: Challenges.optional(),
      })
      .strict(),
  })
  .strict();



/**
 * A service level's target: `true`/`false` for a yes-or-no KPI, bounds for a number (money in fen).
 * A period meets it when the KPI computed from that period's confirmed ledger is equal to, or within, it.
 */
export const ServiceLevelTarget = z.union([
  z.boolean(),
  z.object({ min: z.int().optional(), max: z.int().optional() }).strict(),
]);

export const ServiceLevel = z
  .object({
    id: CamelId,
    title: LocalizedText,
    /** The KPI of `performance.kpis` that measures it, evaluated on each confirmed period's ledger (PF-CONTRACT). */
    measuredBy: CamelId.optional(),
    target: ServiceLevelTarget.optional(),
    sources: Sources.optional(),
  })
  .strict();

export const ContractFilingStep = z
  .object({
    ...stepBase,
    kind: z.literal('contractFiling'),
    contract: z
      .object({
        requiredTerms: z.array(z.enum(CONTRACT_TERMS)).min(1),
        /**
         * The task of this step that drafts the contract: its form has a yes/no field per required term,
         * named by the term's id, and a draft lacking any is refused naming them (PF-CONTRACT).
         */
        draftedIn: CamelId.optional(),
        /** A yes/no field of the draft's form: the draft subcontracts part of the service (refused when forbidden). */
        subcontractDeclaredIn: CamelId.optional(),
        /** Filing (备案) with an authority, e.g. the finance bureau (seed 000 §八(四); GPL art. 47): a declared role. */
        filedWith: KebabId.optional(),
        /**
         * The task of this step that files the contract with `filedWith`; its decision records the body it
         * was filed with. Named exactly when `filedWith` is (PF-CONTRACT).
         */
        filedIn: CamelId.optional(),
        subcontracting: z.enum(['forbidden', 'allowed']),
        /**
         * Where the vendor attests at signing that it will not subcontract: a yes/no field of its signing
         * task. Required when subcontracting is forbidden (seed 003 §二(四).4; Implementing Regulations art. 72).
         */
        attestedIn: z.object({ task: CamelId, field: CamelId }).strict().optional(),
        /** Service levels the contract must state (seed 003: desks staffed ≥ 8 h/day, ≥ 2 per shift), measured by KPIs. */
        serviceLevels: z.array(ServiceLevel).default([]),
      })
      .strict(),
  })
  .strict();

/**
 * What a case line counts over the contract's cases in a ledger period (definitions/README.md, "Ledger lines
 * from case evidence"): `served` — the cases served at any time in the period; `{ obligation, measure: amount }`
 * — the sum of the obligation's measure (hours for `sum: hours`, events for `count`) over the evidence that
 * happened in the period; `{ obligation, measure: breaches }` — the obligation's periods that ended in the
 * period unmet; `staffingBreaches` — the staffing ratios of the contract's cases broken at the submission
 * instant. The obligation is the lifecycle's, checked when a case is enrolled on the contract.
 */
export const CaseMetric = z.union([
  z.literal('served'),
  z.literal('staffingBreaches'),
  z.object({ obligation: CamelId, measure: z.enum(['amount', 'breaches']) }).strict(),
]);
export type CaseMetricT = z.infer<typeof CaseMetric>;

export const LedgerLine = FieldDefinition.extend({
  /** How the lines of a period and of the whole contract are combined into KPIs. */
  aggregate: z.enum(['sum', 'max', 'min']).default('sum'),
  /**
   * Where the line's value comes from: typed by the vendor (`vendor`, the default when absent) or filled
   * from the contract's case evidence (`{ cases: <metric> }`, see CaseMetric), which the vendor may not type (PF-LEDGER).
   */
  source: z.union([z.literal('vendor'), z.object({ cases: CaseMetric }).strict()]).optional(),
});

/** A key performance indicator: an expression over a ledger's totals and periods, of a declared type. */
const Kpi = z
  .object({
    id: CamelId,
    title: LocalizedText,
    expr: Expression,
    type: z.enum(['int', 'money', 'bool']),
    sources: Sources.optional(),
  })
  .strict();

export const PerformanceManagementStep = z
  .object({
    ...stepBase,
    kind: z.literal('performanceManagement'),
    performance: z
      .object({
        ledger: z
          .object({
            /** A calendar month, a quarter, or an ISO-8601 span (`P2M`, `P1W`, `PT1H`): each period's length. */
            period: z.union([z.enum(['monthly', 'quarterly']), IsoDuration]),
            /** How many periods a contract runs (an expression, e.g. 12). */
            periods: Expression,
            /** Day of the period's last month by which the ledger is due (seed 001: the 25th); a span's ledger is due as the period ends. */
            dueDay: z.int().min(1).max(28),
            /**
             * When a period's ledger can be submitted: from the start of day `opensDay` of the period's
             * last month until the end of its due day. Absent: from the period's start.
             */
            window: z.object({ opensDay: z.int().min(1).max(28) }).strict().optional(),
            /** A ledger not in by the end of its due day is overdue and escalates to this role. Absent: the due day is only shown. */
            late: z.object({ escalateTo: KebabId }).strict().optional(),
            submittedBy: KebabId,
            confirmedBy: KebabId,
            lines: z.array(LedgerLine).min(1),
            /** Conditions across a period's lines, checked when the ledger is submitted. */
            checks: z.array(FieldCheck).optional(),
          })
          .strict(),
        /** Computed from `ledger.totals` and `ledger.periods` over the whole term when the last ledger is confirmed. */
        kpis: z.array(Kpi).default([]),
        /**
         * Review groups: every `every` ledger periods make one review period (3 monthly periods: a quarter),
         * whose KPIs are computed on its own ledger periods' lines when its last one is confirmed, and
         * `passWhen` says whether it passed. Read as `periods.<id>`. Absent: no review groups.
         */
        reviews: z
          .array(
            z
              .object({
                id: CamelId,
                title: LocalizedText,
                /** How many ledger periods make one review period. */
                every: z.int().min(1),
                /** Computed from `ledger.totals` and `ledger.periods` of the review period's ledger periods alone. */
                kpis: z.array(Kpi).min(1),
                /** Whether a review period passed, reading its `kpis`. Absent: every review period passes. */
                passWhen: Expression.optional(),
                sources: Sources.optional(),
              })
              .strict(),
          )
          .optional(),
        evaluation: z
          .object({
            indicators: z
              .array(
                z
                  .object({
                    id: CamelId,
                    title: LocalizedText,
                    group: z.enum(['business', 'financial']),
                    weight: z.int().min(1).max(100),
                    /**
                     * The indicator's score computed from this int expression when the evaluation is decided,
                     * in the indicator scope (the contract's KPIs, ledger, contract, budget), held to 0–100;
                     * the evaluator does not give it. Absent: the evaluator scores it.
                     */
                    score: Expression.optional(),
                    sources: Sources.optional(),
                  })
                  .strict(),
              )
              .min(1),
            passScore: z.int().min(0).max(100),
            /**
             * Grade bands (等次, e.g. 优秀/良好/合格/不合格): an evaluation's grade is the band with the highest
             * `min` at or below its score, recorded in the vendor's performance history. Absent: no grade.
             */
            grades: z
              .array(z.object({ min: z.int().min(0).max(100), label: LocalizedText }).strict())
              .min(1)
              .refine((bands) => new Set(bands.map((band) => band.min)).size === bands.length, 'each grade band needs its own min')
              .optional(),
          })
          .strict(),
        acceptance: z
          .object({
            recipientOpinionsRequired: z.boolean(),
            /** The engine publishes the procedure's acceptanceResult notice when an acceptance is decided (Implementing Regulations art. 45). */
            published: z.boolean(),
          })
          .strict(),
        /** Exit mechanism (seed 003): when the condition holds after evaluation, the vendor is suspended. */
        exit: z
          .object({
            when: Expression,
            reason: LocalizedText,
            /** Tranches of this contract that are not paid once the exit has suspended the vendor (PF-CONTRACT checks they exist). */
            withholds: z.array(CamelId).optional(),
            /** The role that may reinstate a vendor this exit suspended (POST /vendors/{id}/reinstatement). Absent: no one. */
            reinstatedBy: KebabId.optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();

export const Tranche = z
  .object({
    id: CamelId,
    title: LocalizedText,
    /** The budget component this tranche pays out. */
    fund: CamelId.optional(),
    /** The node whose successful completion makes the tranche payable. */
    after: CamelId,
    amount: Expression,
    sources: Sources.optional(),
  })
  .strict();

export const PaymentReleaseStep = z
  .object({
    ...stepBase,
    kind: z.literal('paymentRelease'),
    /**
     * Every payment goes through treasury centralised payment (国库集中支付, seed 000 §八(六)), exported
     * to the treasury: no seed names another channel, so the language has no key to choose one.
     */
    payment: z
      .object({
        tranches: z.array(Tranche).min(1, 'must declare at least one tranche'),
      })
      .strict(),
  })
  .strict();

export const Step = z.discriminatedUnion('kind', [
  BudgetingStep,
  PublicNoticeStep,
  VendorSelectionStep,
  ContractFilingStep,
  PerformanceManagementStep,
  PaymentReleaseStep,
]);

export const NOTICE_KINDS = [
  'requirementsConsultation',
  'purchaseNotice',
  'awardResult',
  'contract',
  'evaluationResult',
  'acceptanceResult',
] as const;

/** A public notice: its kind, its title and its lines, each a label and an expression to render. */
export const Notice = z
  .object({
    id: CamelId,
    kind: z.enum(NOTICE_KINDS),
    title: LocalizedText,
    lines: z.array(z.object({ label: LocalizedText, value: Expression }).strict()).min(1),
    sources: Sources.optional(),
  })
  .strict();

/**
 * The services a procedure buys (seeds 000–004): community correction 社区矫正, people's mediation 人民调解,
 * resettlement and education 安置帮教. The registry keeps a procedure's service type, and definitions and
 * cycles are listed by it.
 */
export const SERVICE_TYPES = ['communityCorrection', 'peopleMediation', 'resettlement'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const ProcedureSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Procedure'),
    metadata: Metadata.extend({
      serviceType: z.enum(SERVICE_TYPES),
      jurisdiction: z.object({ code: KebabId, name: z.string().min(1) }).strict(),
    }).strict(),
    roles: z.array(Role).min(1),
    inputs: z.array(FieldDefinition).default([]),
    /** Conditions across the inputs (and derived values), checked when a cycle is launched. */
    inputChecks: z.array(FieldCheck).optional(),
    derived: z.array(DerivedValue).default([]),
    notices: z.array(Notice).default([]),
    steps: z.array(Step).length(6, 'must have exactly the six steps of the purchase procedure'),
    /**
     * How long a cycle or contract of this procedure may go without any event (whole days, `P30D`)
     * before `GET /ops/stuck` lists it as idle. Absent: idleness alone never makes it stuck.
     */
    stuckWhenIdleFor: z
      .string()
      .regex(/^P[1-9][0-9]{0,3}D$/, 'must be a whole number of days written P<n>D, from P1D to P9999D, e.g. P30D')
      .optional(),
  })
  .strict();

/** The days of a `stuckWhenIdleFor` value (`P30D` → 30). */
export function idleLimitDays(stuckWhenIdleFor: string | undefined): number | null {
  const match = stuckWhenIdleFor ? /^P([0-9]+)D$/.exec(stuckWhenIdleFor) : null;
  return match?.[1] ? Number(match[1]) : null;
}

export type ProcedureDefinition = z.infer<typeof ProcedureSchema>;
export type ProcedureStep = z.infer<typeof Step>;
export type FlowNodeT = z.infer<typeof FlowNode>;
export type TaskNodeT = z.infer<typeof TaskNode>;
export type EventAnchorT = z.infer<typeof EventAnchor>;
export type ChallengesT = z.infer<typeof Challenges>;
export type FieldDefinitionT = z.infer<typeof FieldDefinition>;
export type FieldCheckT = z.infer<typeof FieldCheck>;
export type ValueTypeT = z.infer<typeof ValueType>;
export type ServiceLevelTargetT = z.infer<typeof ServiceLevelTarget>;
