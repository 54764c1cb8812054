/**
 * The fixed words of the Procedure kind that the interpreter needs at run time: step kinds, procurement
 * methods and their minimum bidders, contract terms. Plain constants, free of the schema library, because
 * workflow code imports them and Temporal evaluates a workflow's modules afresh for every workflow it
 * creates (each launch, contract, continued run and replay): the zod schemas of procedure.schema.ts cost
 * milliseconds of CPU each time they are built, and no workflow ever validates a definition.
 */

export const STEP_KINDS = ['budgeting', 'publicNotice', 'vendorSelection', 'contractFiling', 'performanceManagement', 'paymentRelease'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Steps that run once per awarded vendor, inside that vendor's contract. */
export const CONTRACT_SCOPED_KINDS: readonly StepKind[] = ['contractFiling', 'performanceManagement', 'paymentRelease'];

export const PROCUREMENT_METHODS = [
  'openTender',
  'invitedTender',
  'competitiveNegotiation',
  'competitiveConsultation',
  'inquiry',
  'singleSource',
] as const;
export type ProcurementMethodT = (typeof PROCUREMENT_METHODS)[number];

/**
 * The fewest qualified bids a round of each method needs when the definition says nothing: three for
 * every competitive method (Government Procurement Law arts. 34, 36, 38, 40; competitive consultation by
 * 财库〔2014〕214号 art. 3), one for single source.
 */
export const DEFAULT_MINIMUM_BIDDERS: Readonly<Record<ProcurementMethodT, number>> = {
  openTender: 3,
  invitedTender: 3,
  competitiveNegotiation: 3,
  competitiveConsultation: 3,
  inquiry: 3,
  singleSource: 1,
};

/**
 * The lowest minimum a definition may set per method, which the compiler enforces (PF-METHOD-MINIMUM).
 * Competitive consultation may go on with two suppliers when it buys services (财库〔2015〕124号 §一), and
 * every procedure of this language buys services; single source is exactly one supplier.
 */
export const MINIMUM_BIDDERS_FLOOR: Readonly<Record<ProcurementMethodT, number>> = { ...DEFAULT_MINIMUM_BIDDERS, competitiveConsultation: 2 };

/** `selection.bidding.minimumBidders` as a definition gives it: one number, or a number per method. */
export type MinimumBiddersT = number | { readonly [method in ProcurementMethodT]?: number | undefined };

/** The fewest qualified bids a round of `method` needs under `minimumBidders` (absent: the defaults above). */
export function minimumBiddersFor(minimumBidders: MinimumBiddersT | undefined, method: string): number {
  const known = (PROCUREMENT_METHODS as readonly string[]).includes(method) ? (method as ProcurementMethodT) : 'openTender';
  if (known === 'singleSource') return 1;
  if (typeof minimumBidders === 'number') return minimumBidders;
  return minimumBidders?.[known] ?? DEFAULT_MINIMUM_BIDDERS[known];
}

/** The terms a contract draft must contain (seed 003 §二(四).4, Government Procurement Law art. 45). */
export const CONTRACT_TERMS = [
  'scope',
  'subject',
  'quantity',
  'quality',
  'term',
  'paymentMethod',
  'rightsAndObligations',
  'liability',
] as const;

/** How each required term is named when a draft lacks it. */
export const CONTRACT_TERM_TITLES: Readonly<Record<(typeof CONTRACT_TERMS)[number], { zh: string; en: string }>> = {
  scope: { zh: '购买服务的范围', en: 'scope' },
  subject: { zh: '标的', en: 'subject' },
  quantity: { zh: '数量', en: 'quantity' },
  quality: { zh: '质量要求', en: 'quality' },
  term: { zh: '服务期限', en: 'term' },
  paymentMethod: { zh: '资金支付方式', en: 'payment method' },
  rightsAndObligations: { zh: '双方的权利义务', en: 'rights and obligations' },
  liability: { zh: '违约责任', en: 'liability for breach' },
};

/** Where the decision of the filing task (`contract.filedIn`) records the body the contract was filed with. */
export const FILED_WITH_FIELD = 'filedWith';
