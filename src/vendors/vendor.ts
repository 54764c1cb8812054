/**
 * The vendor registry's vocabulary, shared by the database entity, the API and the activities.
 * A vendor (承接主体) is an organisation that may deliver purchased services once civil affairs has
 * verified its qualifications (seed 001 §二(七)) and as long as it is not suspended (seed 003's exit
 * mechanism).
 */

/** Registration types of the organisations that may deliver purchased services (seed 003 §二(二)). */
export const REGISTRATION_TYPES = [
  /** 社会团体, registered with civil affairs. */
  'socialGroup',
  /** 社会服务机构 (民办非企业单位), registered with civil affairs. */
  'socialServiceAgency',
  /** 基金会, registered with civil affairs. */
  'foundation',
  /** 经国务院批准免予登记的社会组织. */
  'exemptSocialOrganisation',
  /** 企业, registered with market regulation (工商). */
  'enterprise',
  /** 其他机构, registered with the authority of its sector. */
  'otherInstitution',
] as const;
export type RegistrationType = (typeof REGISTRATION_TYPES)[number];

export const VERIFICATION_STATUSES = ['pending', 'verified', 'rejected'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** A finding on one criterion's evidence by a holder of the role a procedure names (`qualification.verifiedBy`). */
export interface CriterionVerification {
  /** The role the verifier acted in: a procedure counts the verification only when it names this role. */
  readonly role: string;
  /** The jurisdiction the verifier acted for: a cycle counts it when it is the cycle's own, or national. */
  readonly jurisdiction: string;
  readonly by: string;
  /** ISO instant. */
  readonly at: string;
}

/** A rejection of one criterion's evidence: it stands until the criterion is verified again. */
export interface CriterionRejection extends CriterionVerification {
  readonly comment: string;
}

/** The document a vendor supplied for one qualification criterion of the procedures, and its findings. */
export interface QualificationEvidence {
  /** The criterion's id in the procedure definitions, e.g. `taxAndSocialInsurance` (seed 000 §六(五)). */
  readonly criterionId: string;
  /** The document, as the registry files it: its title, number or archive reference. */
  readonly document: string;
  readonly note?: string;
  /**
   * Last day (YYYY-MM-DD, China time) the document is valid, e.g. a tax certificate's; from the next day
   * on the criterion no longer counts. Absent: the document does not expire.
   */
  readonly validUntil?: string;
  /** One verification per role that verified this document (absent in records made before per-criterion verification). */
  readonly verifications?: readonly CriterionVerification[];
  readonly rejection?: CriterionRejection;
}

/**
 * The role whose verification a request without a `role` stood for before procedures named their verifier
 * (seed 001 §二(七): 民政局负责核实承接方的资质及条件). Only the development stack's officer uses it now.
 */
export const VERIFIER_ROLE = 'civil-affairs';

/** The roles that may suspend a vendor (the exit mechanism of seed 003). */
export const SUSPENDER_ROLES = ['administrator', 'finance-bureau'] as const;
