import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { VENDOR_ROLE } from '../../src/identity/identity.js';
import type { FormValues, TaskInstance, TaskPayload } from '../../workflows/engine/types.js';
import { formFor } from '../support/procedure-driver.js';
import { eventually } from '../support/eventually.js';
import { type CycleDetail, incidentsOf, type PaymentView, PINNED_START, ProcedureScenario, ScenarioStack, type TaskView } from './http-driver.js';

const ADMINISTRATOR = 'administrator';
const BIDDER = 'procurement-centre';
const VENDORS = ['阳光社会工作服务中心', '和谐社工事务所', '同心社会服务社'];

interface Decision {
  task: TaskView;
  userId: string;
  role: string;
  outcome: string;
  fields: Record<string, unknown>;
  payload?: Record<string, unknown>;
}

interface PublishedNotice {
  kind: string;
  cycleId: string;
  contractId: string | null;
  lines: Array<{ label: { zh: string }; value: string }>;
}

/** Vendor 0, 1 and 2: the VENDORS above, in order. */
type VendorIndex = 0 | 1 | 2;

/**
 * What one seed's cycle is given, and what it must pay. Every amount a cycle pays is written here as a
 * literal worked out by hand from the seed's rules, with the arithmetic in a comment — never with the
 * engine's expression evaluator — so a wrong rule, rounding or deduction in the engine fails the test.
 * Fields not named here take the planner's plausible values; none of those reach money.
 */
interface SeedScript {
  readonly file: string;
  readonly inputs: Record<string, number | string | boolean>;
  /** Form fields of the cycle's own tasks, by task node id. */
  readonly forms: Record<string, Record<string, number | string | boolean>>;
  /** Each vendor's bid price, in fen. */
  readonly bids: Readonly<Record<VendorIndex, number>>;
  /** The award: who wins, for how much. Every qualified bid is scored 90 on every criterion. */
  readonly winners: ReadonlyArray<{ readonly vendor: VendorIndex; readonly amountFen: number }>;
  /** Per winner: the evaluation scores, ledger lines of every period, and its contract's task forms. */
  readonly contracts: Partial<
    Record<
      VendorIndex,
      {
        readonly evaluation: Record<string, number>;
        readonly ledger?: Record<string, number>;
        readonly forms?: Record<string, Record<string, number | string | boolean>>;
      }
    >
  >;
  readonly expected: {
    /** The purchase notice's budget line, as published. */
    readonly budgetLine: { readonly label: string; readonly value: string };
    /** Every payment of every contract: tranche → fen. */
    readonly payments: Partial<Record<VendorIndex, Record<string, number>>>;
    /** Vendors the contract's exit rule suspends. */
    readonly suspended: readonly VendorIndex[];
    /** Lines of the evaluation result notice, per winner, where the procedure publishes one. */
    readonly evaluationNotice?: Partial<Record<VendorIndex, Record<string, string>>>;
  };
}

/** The planner decides every task but the award here (the script names the winners), so it needs no bids. */
const NO_AWARD = { bids: [], budgetTotal: 0 };

/** Deqing's evaluator scores every indicator but completion (项目完成程度), which the definition computes from its compliance KPIs. */
const DEQING_SCORES = (score: number) => ({ goalSetting: score, organisationalManagement: score, benefit: score, fundUse: score, financialManagement: score });
/**
 * No shortfall in any month, so each compliance KPI is 100 and completion (100 + 100 + 100) / 3 = 100. (A line
 * filled from case evidence is not typed: with no cases it holds 0, and 0 persons served also makes each 100.)
 */
const DEQING_NO_SHORTFALLS = { educationShortfalls: 0, communityServiceShortfalls: 0, homeVisitShortfalls: 0 };

const SCRIPTS: readonly SeedScript[] = [
  {
    // Per-capita pricing, several winners, a score-scaled activity tranche capped by actual spending.
    //   price per person for the term = 360 000 × 3 / 12            =    90 000 fen
    //   working funds per person      =  90 000 × 40 / 100          =    36 000
    //   activity funds per person     =  90 000 − 36 000            =    54 000
    //   budget (100 persons)          = 100 × 90 000 = 9 000 000; working 3 600 000; activity 5 400 000
    // Three winners; their amounts add up to 8 999 999 ≤ 9 000 000. Each contract's share of a component
    // is ⌊component × amount / 9 000 000⌋.
    file: 'deqing-community-correction.yaml',
    inputs: { pricePerPersonYear: 360_000, workingFundsPercent: 40, contractMonths: 3 },
    forms: { draftBudget: { supervisedPersons: 100 } },
    bids: { 0: 4_000_000, 1: 3_500_000, 2: 1_999_999 },
    winners: [
      { vendor: 0, amountFen: 4_000_000 },
      // Below its own bid of 3 500 000: an award may lower a price.
      { vendor: 1, amountFen: 3_000_000 },
      { vendor: 2, amountFen: 1_999_999 },
    ],
    contracts: {
      // Score (10×90 + 30×100 + 15×90 + 15×90 + 20×90 + 10×90) / 100 = 9300 / 100 = 93, completion computed as 100;
      // spends 3 × 500 000 = 1 500 000 of its activity funds.
      0: { evaluation: DEQING_SCORES(90), ledger: { ...DEQING_NO_SHORTFALLS, activityFundsSpent: 500_000 } },
      // Below the pass mark of 60 despite completion 100: (10×30 + 30×100 + 15×20 + 15×20 + 20×30 + 10×30) / 100 = 4800 / 100 = 48.
      1: {
        evaluation: { goalSetting: 30, organisationalManagement: 20, benefit: 20, fundUse: 30, financialManagement: 30 },
        ledger: { ...DEQING_NO_SHORTFALLS, activityFundsSpent: 400_000 },
      },
      // Score (10×80 + 30×100 + 15×80 + 15×80 + 20×80 + 10×80) / 100 = 8600 / 100 = 86; spends nothing of its activity funds.
      2: { evaluation: DEQING_SCORES(80), ledger: { ...DEQING_NO_SHORTFALLS, activityFundsSpent: 0 } },
    },
    expected: {
      budgetLine: { label: '购买服务经费', value: '90000.00元' },
      payments: {
        // working  ⌊3 600 000 × 4 000 000 / 9 000 000⌋ = 1 600 000
        // activity ⌊5 400 000 × 4 000 000 / 9 000 000⌋ = 2 400 000; × 93 / 100 = 2 232 000;
        //          spent 1 500 000 is less: the cap applies → 1 500 000
        0: { workingFunds: 1_600_000, activityFunds: 1_500_000 },
        // working  3 600 000 / 3 = 1 200 000
        // activity 5 400 000 / 3 = 1 800 000; × 48 / 100 = 864 000; spent 1 200 000 is more → 864 000
        1: { workingFunds: 1_200_000, activityFunds: 864_000 },
        // working  3 600 000 × 1 999 999 / 9 000 000 = 799 999.6, activity 5 400 000 × 1 999 999 / 9 000 000 = 1 199 999.4:
        //          rounded down they leave 1 fen of the award, which goes to the larger fraction (.6):
        //          working 800 000, activity 1 199 999
        // activity 1 199 999 × 86 / 100 → 1 031 999; spent 0 → 0 fen: a zero tranche, settled without a payment
        2: { workingFunds: 800_000 },
      },
      suspended: [],
    },
  },
  {
    // One winner at its bid below the budget; a breach deduction; an evaluation below the pass mark.
    //   budget = 4 800 000 + 1 234 567 + 65 433 = 6 100 000 fen
    file: 'xiamen-community-correction.yaml',
    inputs: { contractMonths: 2 },
    forms: { draftBudget: { personnelCost: 4_800_000, operatingCost: 1_234_567, otherPurchaseCost: 65_433 } },
    bids: { 0: 5_900_000, 1: 6_000_000, 2: 6_100_000 },
    winners: [{ vendor: 0, amountFen: 5_900_000 }],
    contracts: {
      // (40×60 + 40×55 + 20×50) / 100 = 5600 / 100 = 56: below the pass mark of 60.
      0: { evaluation: { serviceQuantity: 60, serviceQuality: 55, fundUseEfficiency: 50 }, forms: { requestPayment: { breachDeduction: 123_456 } } },
    },
    expected: {
      budgetLine: { label: '预算资金', value: '61000.00元' },
      // 5 900 000 − 123 456 = 5 776 544
      payments: { 0: { servicePayment: 5_776_544 } },
      suspended: [],
      // Per group: business (40×60 + 40×55) / 80 = 4600 / 80 → 57; financial 20×50 / 20 = 50.
      evaluationNotice: { 0: { 考核评估得分: '56', 考核评估结论: '不合格', 业务指标得分: '57', 财务指标得分: '50' } },
    },
  },
  {
    // An award below the bid, funds the audit disallowed and a breach deduction; the evaluation passes.
    //   budget = 2 000 000 + 700 000 + 300 000 = 3 000 000 fen
    file: 'baotou-people-mediation.yaml',
    inputs: { serviceQuarters: 2 },
    forms: { draftPurchasePlan: { staffingCost: 2_000_000, serviceCost: 700_000, otherCost: 300_000 } },
    bids: { 0: 2_880_000, 1: 2_950_000, 2: 3_000_000 },
    winners: [{ vendor: 0, amountFen: 2_850_000 }],
    contracts: {
      // (25×80 + 25×80 + 20×80 + 20×80 + 10×80) / 100 = 80
      0: {
        evaluation: { serviceQuantity: 80, mediationSuccess: 80, serviceStandards: 80, fundUsePerformance: 80, fundCompliance: 80 },
        forms: { auditFundUse: { disallowedAmount: 150_000 }, requestPayment: { breachDeduction: 50_000 } },
      },
    },
    expected: {
      budgetLine: { label: '预算资金', value: '30000.00元' },
      // 2 850 000 − 150 000 − 50 000 = 2 650 000
      payments: { 0: { servicePayment: 2_650_000 } },
      suspended: [],
      evaluationNotice: { 0: { 评价得分: '80', 评价结论: '合格', 业务指标得分: '80', 财务指标得分: '80' } },
    },
  },
  {
    // Deductions larger than the contract (a zero payment), and a failed evaluation that suspends the vendor.
    //   budget = 1 500 000 + 400 000 + 100 000 = 2 000 000 fen
    file: 'baotou-resettlement.yaml',
    inputs: { serviceQuarters: 2 },
    forms: { draftPurchasePlan: { staffingCost: 1_500_000, serviceCost: 400_000, otherCost: 100_000 } },
    bids: { 0: 1_950_000, 1: 1_800_000, 2: 2_000_000 },
    winners: [{ vendor: 1, amountFen: 1_800_000 }],
    contracts: {
      // (30×50 + 25×60 + 15×70 + 20×40 + 10×90) / 100 = 5750 / 100 → 57: below the pass mark of 60.
      1: {
        evaluation: { serviceQuantity: 50, serviceQuality: 60, serviceStandards: 70, fundUsePerformance: 40, fundCompliance: 90 },
        forms: { auditFundUse: { disallowedAmount: 1_300_000 }, requestPayment: { breachDeduction: 600_000 } },
      },
    },
    expected: {
      budgetLine: { label: '预算资金', value: '20000.00元' },
      // max(0, 1 800 000 − 1 300 000 − 600 000) = max(0, −100 000) = 0: settled without a payment
      payments: { 1: {} },
      suspended: [1],
      // Per group: business (30×50 + 25×60 + 15×70) / 70 = 4050 / 70 → 57; financial (20×40 + 10×90) / 30 = 1700 / 30 → 56.
      evaluationNotice: { 1: { 评价得分: '57', 评价结论: '不合格', 业务指标得分: '57', 财务指标得分: '56' } },
    },
  },
  {
    // Social workers budgeted at 1:20, two winners, a vacant-post deduction and both paying bands of the
    // evaluation (in full from 90, the score's percentage from the pass mark of 60).
    //   social worker for the term = 7 200 000 × 3 / 12 = 1 800 000 fen; a month = 7 200 000 / 12 = 600 000
    //   service funds per person   =    60 000 × 3 / 12 =    15 000
    //   budget: personnel 6 × 1 800 000 = 10 800 000; service 100 × 15 000 = 1 500 000; total 12 300 000
    //   (6 social workers for 100 persons: 6 × 20 = 120 ≥ 100, within the 1:20 ratio)
    // Vendor 0 wins two thirds (8 200 000 of 12 300 000), vendor 2 one third (4 100 000): their shares are
    //   vendor 0: personnel ⌊10 800 000 × 8 200 000 / 12 300 000⌋ = 7 200 000; service ⌊1 500 000 × 2/3⌋ = 1 000 000
    //   vendor 2: personnel 10 800 000 / 3 = 3 600 000; service 1 500 000 / 3 = 500 000
    file: 'xuancheng-community-correction.yaml',
    inputs: { socialWorkerCostPerYear: 7_200_000, serviceFundsPerPersonYear: 60_000, contractMonths: 3 },
    forms: { draftBudget: { supervisedPersons: 100, socialWorkers: 6 } },
    bids: { 0: 8_500_000, 1: 9_000_000, 2: 4_100_000 },
    winners: [
      { vendor: 0, amountFen: 8_200_000 },
      { vendor: 2, amountFen: 4_100_000 },
    ],
    contracts: {
      // One post vacant in each of the 3 months; (30×75 + 30×75 + 20×75 + 20×75) / 100 = 75.
      0: {
        evaluation: { serviceQuantity: 75, serviceQuality: 75, serviceEffect: 75, fundManagement: 75 },
        ledger: { socialWorkerVacancies: 1 },
      },
      // Fully staffed; (30×95 + 30×90 + 20×90 + 20×92) / 100 = (2850 + 2700 + 1800 + 1840) / 100 = 9190 / 100 → 91.
      2: {
        evaluation: { serviceQuantity: 95, serviceQuality: 90, serviceEffect: 90, fundManagement: 92 },
        ledger: { socialWorkerVacancies: 0 },
      },
    },
    expected: {
      budgetLine: { label: '预算金额', value: '123000.00元' },
      payments: {
        // advance  7 200 000 / 2 = 3 600 000
        // balance  max(0, 7 200 000 − 3 600 000 − 3 vacant post-months × 600 000) = 3 600 000 − 1 800 000 = 1 800 000
        // service  score 75: passed, below 90 → 1 000 000 × 75 / 100 = 750 000
        0: { personnelAdvance: 3_600_000, personnelBalance: 1_800_000, serviceFunds: 750_000 },
        // advance  3 600 000 / 2 = 1 800 000; balance 3 600 000 − 1 800 000 − 0 = 1 800 000
        // service  score 91 ≥ 90 → the whole share, 500 000 (all paid: 4 100 000, the contract amount)
        2: { personnelAdvance: 1_800_000, personnelBalance: 1_800_000, serviceFunds: 500_000 },
      },
      suspended: [],
    },
  },
  {
    // Social workers at 1:10 (rounded up) and volunteers at 1:1; a deduction per absconding, and volunteer
    // funds capped by what was actually paid to volunteers.
    //   social worker for the term = 6 000 000 × 2 / 4 = 3 000 000 fen; volunteer = 120 000 × 2 / 4 = 60 000
    //   25 persons → (25 + 9) / 10 = 3 social workers: 3 × 3 000 000 = 9 000 000; volunteers 25 × 60 000 = 1 500 000
    //   budget = 10 500 000
    // One winner at 10 000 000: shares 9 000 000 × 10 000 000 / 10 500 000 = 8 571 428.57 and
    //   1 500 000 × 10 000 000 / 10 500 000 = 1 428 571.43; rounded down they leave 1 fen of the award, which
    //   goes to the larger fraction (.57): 8 571 429 and 1 428 571.
    file: 'ningxia-community-correction.yaml',
    inputs: { socialWorkerCostPerYear: 6_000_000, volunteerSubsidyPerYear: 120_000, abscondingDeduction: 100_000, serviceQuarters: 2 },
    forms: { draftBudget: { supervisedPersons: 25 } },
    bids: { 0: 10_400_000, 1: 10_000_000, 2: 10_500_000 },
    winners: [{ vendor: 1, amountFen: 10_000_000 }],
    contracts: {
      // One absconding and 600 000 paid to volunteers in each of the 2 quarters;
      // (30×70 + 25×80 + 20×85 + 10×90 + 15×75) / 100 = (2100 + 2000 + 1700 + 900 + 1125) / 100 = 7825 / 100 → 78: passed.
      1: {
        evaluation: { supervisionSafety: 70, educationCorrection: 80, psychologicalCorrection: 85, socialAdaptation: 90, fundUse: 75 },
        ledger: { abscondings: 1, volunteerSubsidiesPaid: 600_000 },
      },
    },
    expected: {
      budgetLine: { label: '预算金额', value: '105000.00元' },
      payments: {
        // advance    ⌊8 571 429 × 30 / 100⌋ = ⌊2 571 428.7⌋ = 2 571 428
        // balance    max(0, 8 571 429 − 2 571 428 − 2 abscondings × 100 000) = 6 000 001 − 200 000 = 5 800 001
        // volunteers passed: min(1 428 571, 2 × 600 000 = 1 200 000) = 1 200 000, the cap of actual spending
        1: { socialWorkerAdvance: 2_571_428, socialWorkerBalance: 5_800_001, volunteerFunds: 1_200_000 },
      },
      suspended: [],
    },
  },
];

/**
 * Whole cycles of each shipped procedure driven only through the HTTP API, on the real time-skipping
 * Temporal server with the worker in-process and the real PostgreSQL read model: the procedure is
 * deployed, vendors are registered and verified, the cycle is launched, every task in every role's
 * inbox is decided (by a second person where four-eyes demands it), verified vendors bid while bidding
 * is open, and time skips to the next pending timer whenever nobody has anything to do — through every
 * contract to the last payment. Then the payments, the public notices and the audit trail are checked.
 */
describe.each(SCRIPTS.map((script) => [script.file, script] as const))('a whole cycle of %s through the HTTP API', (file, script) => {
  const stack = ScenarioStack.forThisFile(`scenario_${file.split('-')[0] ?? 'seed'}`);

  it('runs from deployment to the last payment, paying each tranche once and publishing and auditing every step', async () => {
    const text = readFileSync(path.join(PROJECT_ROOT, 'definitions/procedures', file), 'utf8');
    const jurisdiction = /jurisdiction:\s*\{\s*code:\s*([a-z0-9-]+)/.exec(text)?.[1] ?? '';
    expect(jurisdiction).not.toBe('');
    const userOf = (role: string, second: boolean, vendorId?: string) => `${second ? 'second' : 'first'}.${role}${vendorId ? `.${vendorId.slice(0, 8)}` : ''}`;
    const as = (role: string, second = false, vendorId?: string) => stack.token(userOf(role, second, vendorId), role, jurisdiction, vendorId);
    const admin = await as(ADMINISTRATOR);

    // ── deploy the procedure and the holiday calendars of the years the cycle runs in ─────────
    const scenario = await ProcedureScenario.deploy(stack, jurisdiction, file.replace(/\.yaml$/, ''), text);
    const { definition } = scenario;
    const roles = [...new Set([ADMINISTRATOR, ...definition.roles.map((role) => role.id)])];

    // ── register vendors and have the role the procedure names verify them ─────────────────────
    const selection = definition.steps.find((step) => step.kind === 'vendorSelection');
    const verifier = selection?.kind === 'vendorSelection' ? selection.selection.qualification.verifiedBy : 'civil-affairs';
    const vendorIds = await scenario.verifiedVendors(VENDORS.map((name) => `${jurisdiction}${name}`), verifier);

    // ── launch ────────────────────────────────────────────────────────────────────────────────
    const { cycleId, planner } = await scenario.launch({ ...formFor(definition.inputs), ...script.inputs });

    const detail = async () => {
      const answer = await stack.call<CycleDetail>('GET', `/cycles/${encodeURIComponent(cycleId)}`, admin);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    /** Waits until the cycle shows anything other than `seen`: a workflow step, a projection, a timer. */
    const changeFrom = async (seen: CycleDetail) => {
      const before = JSON.stringify(seen);
      await eventually(detail, (now) => JSON.stringify(now) !== before);
    };
    /** The vendor (0, 1, 2) a contract was awarded to. */
    const vendorOfContract = (cycle: CycleDetail, contractId: string): VendorIndex => {
      const contract = cycle.contracts.find((c) => c.id === contractId);
      const index = vendorIds.indexOf(contract?.vendorId ?? '');
      if (index < 0) throw new Error(`contract ${contractId} is not with a registered vendor`);
      return index as VendorIndex;
    };
    /** The planner's approving decision, with the script's forms, award, scores and ledger lines. */
    const scriptedDecision = async (task: TaskView, seen: CycleDetail): Promise<{ outcome: string; fields: FormValues; payload?: TaskPayload }> => {
      // The inbox can list a new contract's task before the detail read earlier shows the contract.
      const cycle = task.contractId === null || seen.contracts.some((c) => c.id === task.contractId) ? seen : await detail();
      const own = task.contractId === null ? undefined : script.contracts[vendorOfContract(cycle, task.contractId)];
      switch (task.kind) {
        case 'award': {
          const step = definition.steps.find((s) => s.id === task.stepId);
          if (step?.kind !== 'vendorSelection') throw new Error('an award outside vendor selection');
          const qualified = cycle.bids.filter((bid) => bid.qualified);
          const bidOf = (vendor: VendorIndex) => qualified.find((bid) => bid.vendorId === vendorIds[vendor])?.bidId ?? `no qualified bid of vendor ${vendor}`;
          return {
            outcome: 'approve',
            fields: {},
            payload: {
              kind: 'award',
              scores: Object.fromEntries(qualified.map((bid) => [bid.bidId, Object.fromEntries(step.selection.evaluation.criteria.map((c) => [c.id, 90]))])),
              winners: script.winners.map(({ vendor, amountFen }) => ({ bidId: bidOf(vendor), amountFen })),
            },
          };
        }
        case 'evaluation':
          if (!own) throw new Error(`the script gives no evaluation for the contract of ${task.id}`);
          return { outcome: 'approve', fields: {}, payload: { kind: 'evaluation', scores: own.evaluation } };
        case 'ledgerSubmission': {
          const planned = planner.happyDecision(task as unknown as TaskInstance, NO_AWARD);
          if (planned.payload?.kind !== 'ledger') throw new Error('the planner gave no ledger lines');
          // Only the lines the vendor types: one filled from case evidence is refused if typed.
          const { lines } = planned.payload;
          const typed = Object.fromEntries(Object.entries(own?.ledger ?? {}).filter(([line]) => Object.hasOwn(lines, line)));
          return { ...planned, payload: { kind: 'ledger', lines: { ...lines, ...typed } } };
        }
        default: {
          const planned = planner.happyDecision(task as unknown as TaskInstance, NO_AWARD);
          const scripted = task.contractId === null ? script.forms[task.nodeId] : own?.forms?.[task.nodeId];
          return { ...planned, fields: { ...planned.fields, ...scripted } };
        }
      }
    };

    /**
     * A decision that breaks a contract rule of the definition, where `task` is subject to one: the draft
     * (`contract.draftedIn`) without its liability term, or, when subcontracting is forbidden, the vendor's
     * signature (`contract.attestedIn`) without the attestation.
     */
    const contractStep = definition.steps.find((step) => step.kind === 'contractFiling');
    const contractRefusals: string[] = [];
    const contractRuleBreach = (task: TaskView, fields: FormValues): { fields: FormValues; field: string; message: string } | undefined => {
      if (contractStep?.kind !== 'contractFiling' || task.stepId !== contractStep.id || contractRefusals.includes(task.nodeId)) return undefined;
      const { contract } = contractStep;
      if (task.nodeId === contract.draftedIn) return { fields: { ...fields, liability: false }, field: 'fields.liability', message: '合同草案缺少必备条款：违约责任' };
      const attested = contract.attestedIn;
      if (contract.subcontracting === 'forbidden' && attested && task.nodeId === attested.task) {
        return { fields: { ...fields, [attested.field]: false }, field: `fields.${attested.field}`, message: 'Implementing Regulations art. 72' };
      }
      return undefined;
    };

    // ── drive: bid while bidding is open, decide every open task, else skip to the next timer ──
    const decisions: Decision[] = [];
    const biddingRoundsBid = new Set<string>();
    let idle = 0;
    for (let round = 0; ; round++) {
      if (round > 400) throw new Error(`cycle ${cycleId} did not complete`);
      const cycle = await detail();
      if (cycle.status === 'completed') break;
      if (['terminated', 'cancelled', 'failed'].includes(cycle.status)) throw new Error(`cycle ${cycleId} ended ${cycle.status}: ${JSON.stringify(cycle.live)}`);
      const live = cycle.live;
      if (!live) {
        await changeFrom(cycle);
        continue;
      }

      const biddingRound = live.pendingTimers.find((timer) => timer.purpose === 'bidding')?.timerId ?? 'bidding';
      if (live.biddingOpen && !biddingRoundsBid.has(biddingRound)) {
        biddingRoundsBid.add(biddingRound);
        for (const [index, vendorId] of vendorIds.entries()) {
          const priceFen = script.bids[index as VendorIndex];
          const bid = await stack.call('POST', `/cycles/${encodeURIComponent(cycleId)}/bids`, await as(BIDDER), { requestId: randomUUID(), vendorId, priceFen });
          expect(bid.status).toBe(201);
        }
        continue;
      }

      const awaitingDecisions = live.waitingFor.some((w) => w.kind === 'decision') || live.contracts.some((c) => c.waitingFor.some((w) => w.kind === 'decision'));
      let decided = 0;
      // Vendor staff act for their own organisation: one vendor user per registered vendor.
      const principals = roles.flatMap((role): Array<{ role: string; vendorId: string | undefined }> => (role === VENDOR_ROLE ? vendorIds.map((vendorId) => ({ role, vendorId })) : [{ role, vendorId: undefined }]));
      for (const { role, vendorId } of principals) {
        const inbox = await stack.call<{ tasks: TaskView[] }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, await as(role, false, vendorId));
        expect(inbox.status).toBe(200);
        for (const task of inbox.body.tasks.filter((t) => t.role === role && t.status === 'open')) {
          const { outcome, fields, payload } = await scriptedDecision(task, cycle);
          // The contract rules first refuse what breaks them, naming the field, and change nothing.
          const broken = contractRuleBreach(task, fields);
          if (broken) {
            const refused = await stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(role, false, vendorId), { requestId: randomUUID(), outcome, fields: broken.fields });
            expect({ node: task.nodeId, status: refused.status }).toEqual({ node: task.nodeId, status: 422 });
            expect(String(refused.body['message'])).toContain(broken.message);
            expect((refused.body['details'] as Array<{ field: string }>).map((d) => d.field)).toContain(broken.field);
            contractRefusals.push(task.nodeId);
          }
          for (const second of [false, true]) {
            const answer = await stack.call('POST', `/tasks/${encodeURIComponent(task.id)}/decision`, await as(role, second, vendorId), {
              requestId: randomUUID(),
              outcome,
              fields,
              comment: `${task.title.zh}：同意`,
              ...(payload ? { payload } : {}),
            });
            if (answer.status === 200) {
              decisions.push({ task, userId: userOf(role, second, vendorId), role, outcome, fields, ...(payload ? { payload: payload as unknown as Record<string, unknown> } : {}) });
              decided++;
              break;
            }
            // The inbox (a read model) can still list a task the workflow has just closed.
            if (answer.status === 409) break;
            if (answer.status === 403 && !second && /four-eyes/i.test(String(answer.body['message']))) continue;
            throw new Error(`deciding ${task.id} as ${role}${second ? ' (second)' : ''} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
          }
        }
      }
      if (decided > 0) {
        idle = 0;
        continue;
      }
      if (awaitingDecisions || (live.status === 'awaitingContracts' && live.contracts.length === 0)) {
        // The projection has not shown the task in the inbox yet.
        if (++idle > 100) throw new Error(`nothing in any inbox while the cycle waits: ${JSON.stringify(live)}`);
        await changeFrom(cycle);
        continue;
      }
      const timers = [...live.pendingTimers, ...live.contracts.flatMap((c) => c.pendingTimers)].map((t) => t.until).sort();
      const next = timers[0];
      if (!next) {
        // Between steps (activities running, a contract starting): look again shortly.
        if (++idle > 100) throw new Error(`cycle ${cycleId} is stuck: ${JSON.stringify(live)}`);
        await changeFrom(cycle);
        continue;
      }
      idle = 0;
      await stack.env.sleep(Math.max(1000, Date.parse(next) - (await stack.env.currentTimeMs()) + 1000));
    }

    // ── the ended cycle ─────────────────────────────────────────────────────────────────────
    const cycle = await detail();
    expect(cycle.status).toBe('completed');
    // Every deadline could be computed: the calendars cover every year the cycle ran in.
    expect(incidentsOf(cycle)).toEqual([]);
    // It ran on the pinned clock, not on the day the test runs: its first task opened on the pinned day.
    expect(cycle.tasks.closed.map((task) => task.openedAt).sort()[0]?.slice(0, 10)).toBe(PINNED_START.slice(0, 10));
    expect(cycle.contracts.length).toBeGreaterThan(0);
    expect(cycle.contracts.every((c) => c.status === 'completed')).toBe(true);
    // Each contract's filing (GPL art. 47) names the body it was filed with: every template files with the finance bureau.
    const filings = cycle.tasks.closed.filter((task) => task.nodeId === 'fileContract' && ['submit', 'approve'].includes(task.decision?.outcome ?? ''));
    expect(filings.map((task) => [task.contractId, task.decision?.fields?.['filedWith']]).sort()).toEqual(cycle.contracts.map((c) => [c.id, 'finance-bureau']).sort());
    // Every verified vendor's bid was taken as qualified; the winners are exactly the contracts.
    expect(vendorIds.every((id) => cycle.bids.some((b) => b.vendorId === id && b.qualified))).toBe(true);
    expect(cycle.bids.filter((b) => b.won).map((b) => b.vendorId).sort()).toEqual(cycle.contracts.map((c) => c.vendorId).sort());

    const listed = await stack.call<{ payments: PaymentView[] }>('GET', `/payments?cycleId=${encodeURIComponent(cycleId)}`, admin);
    expect(listed.status).toBe(200);
    const payments = listed.body.payments;
    // Each instruction went to a treasury export file as soon as it was recorded.
    expect(payments.filter((p) => p.status !== 'exported' || p.exportFile === null)).toEqual([]);

    // Every payment is the script's hand-computed literal: the winners are the script's, each contract is
    // paid exactly the tranches listed (a tranche that comes to 0 fen is settled without a payment).
    const paidByVendor = Object.fromEntries(
      cycle.contracts.map((contract) => [
        vendorOfContract(cycle, contract.id),
        Object.fromEntries(payments.filter((p) => p.contractId === contract.id).map((p) => [p.trancheId, p.amountFen])),
      ]),
    );
    expect(paidByVendor).toEqual(script.expected.payments);
    expect(Object.fromEntries(cycle.contracts.map((c) => [vendorOfContract(cycle, c.id), c.amountFen]))).toEqual(
      Object.fromEntries(script.winners.map((w) => [w.vendor, w.amountFen])),
    );

    // The exit rule suspended exactly the vendors the script expects, in the registry.
    for (const [index, vendorId] of vendorIds.entries()) {
      const vendor = await stack.call<{ suspended: boolean; suspendedBy: string | null }>('GET', `/vendors/${vendorId}`, admin);
      expect(vendor.status).toBe(200);
      expect({ vendor: index, suspended: vendor.body.suspended }).toEqual({ vendor: index, suspended: script.expected.suspended.includes(index as VendorIndex) });
      if (vendor.body.suspended) expect(vendor.body.suspendedBy).toMatch(/^workflow:/);
    }

    // Public notices need no token: the purchase notice and, where declared, the award result.
    const notices = await stack.call<{ notices: PublishedNotice[] }>('GET', `/public/notices?cycleId=${encodeURIComponent(cycleId)}`, undefined);
    expect(notices.status).toBe(200);
    const published = new Set(notices.body.notices.map((n) => n.kind));
    const declared = new Set(definition.notices.map((n) => n.kind));
    for (const kind of ['purchaseNotice', 'awardResult']) if (declared.has(kind as never)) expect(published).toContain(kind);
    expect(notices.body.notices.every((n) => n.cycleId === cycleId)).toBe(true);
    // Each contract's draft was refused without a required term (every shipped template names its draft), and
    // its vendor's signature without the attestation exactly where subcontracting is forbidden (seed 003).
    const forbidden = contractStep?.kind === 'contractFiling' && contractStep.contract.subcontracting === 'forbidden';
    expect(contractRefusals.sort()).toEqual(forbidden ? ['draftContract', 'vendorSigns'] : [contractStep?.kind === 'contractFiling' ? contractStep.contract.draftedIn : undefined]);
    // The acceptance result is published by the engine, once per contract, exactly when the procedure says so (Regs art. 45).
    const performance = definition.steps.find((step) => step.kind === 'performanceManagement');
    const publishesAcceptance = performance?.kind === 'performanceManagement' && performance.performance.acceptance.published;
    expect(notices.body.notices.filter((n) => n.kind === 'acceptanceResult').map((n) => n.contractId).sort()).toEqual(publishesAcceptance ? cycle.contracts.map((c) => c.id).sort() : []);
    const linesOf = (notice: PublishedNotice) => Object.fromEntries(notice.lines.map((line) => [line.label.zh, line.value]));
    const purchaseNotice = notices.body.notices.find((n) => n.kind === 'purchaseNotice');
    expect(purchaseNotice && linesOf(purchaseNotice)[script.expected.budgetLine.label]).toBe(script.expected.budgetLine.value);
    for (const [vendor, lines] of Object.entries(script.expected.evaluationNotice ?? {})) {
      const contract = cycle.contracts.find((c) => c.vendorId === vendorIds[Number(vendor)]);
      const published = notices.body.notices.find((n) => n.kind === 'evaluationResult' && n.contractId === contract?.id);
      expect(published && linesOf(published)).toMatchObject(lines);
    }

    // The audit trail names every decision: who, in which role, when, with what outcome.
    for (const decision of decisions) {
      const entry = cycle.audit.find((a) => a.action.startsWith('task.') && a.subjectId === decision.task.id);
      expect(entry).toMatchObject({ actorId: decision.userId, actorRole: decision.role, details: expect.objectContaining({ outcome: decision.outcome, requestId: expect.any(String) }) });
      expect(Number.isNaN(Date.parse(entry!.occurredAt))).toBe(false);
    }
    expect(decisions.length).toBeGreaterThan(0);
    if (text.includes('notDecidedBySameActorAs')) expect(decisions.some((d) => d.userId.startsWith('second.'))).toBe(true);
  });
});
