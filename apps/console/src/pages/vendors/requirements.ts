import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';

export type Vendor = components['schemas']['VendorDto'];
export type Evidence = components['schemas']['EvidenceDto'];

export interface Criterion {
  readonly id: string;
  readonly title: { readonly zh: string; readonly en: string } | undefined;
  /** The roles that verify it (a criterion shared by procedures may be verified by several). */
  readonly verifiedBy: readonly string[];
}

/** The national jurisdiction: its procedures apply everywhere. */
const NATIONAL = 'cn';

/** The API's vendor-status roles (SUSPENDER_ROLES): who suspends, and who reinstates when no exit names a role. */
export const SUSPENDER_ROLES = ['administrator', 'finance-bureau'] as const;
/** Who registers vendors and files their evidence. */
export const REGISTRAR_ROLE = 'administrator';

interface Qualification {
  verifiedBy?: unknown;
  criteria?: Array<{ id?: unknown; title?: { zh?: unknown; en?: unknown } }>;
}

function qualificationsOf(definition: Record<string, unknown>): Qualification[] {
  const steps = Array.isArray(definition['steps']) ? (definition['steps'] as Array<Record<string, unknown>>) : [];
  return steps.flatMap((step) => {
    const selection = step['selection'] as { qualification?: Qualification } | undefined;
    return step['kind'] === 'vendorSelection' && selection?.qualification ? [selection.qualification] : [];
  });
}

/**
 * The qualification criteria of the procedures deployed for `jurisdiction` (and national ones), read
 * from the deployed definitions (`selection.qualification` of their vendor-selection steps): their
 * titles in both languages and the roles that verify them. Nothing about a jurisdiction's criteria is
 * known to the console itself.
 */
export async function loadCriteria(jurisdiction: string): Promise<Criterion[]> {
  const { definitions } = await unwrap(api.GET('/definitions', { params: { query: { kind: 'Procedure' } } }));
  const relevant = definitions.filter((d) => jurisdiction === NATIONAL || d.jurisdiction === jurisdiction || d.jurisdiction === NATIONAL);
  const versions = await Promise.all(
    relevant.map((d) => unwrap(api.GET('/definitions/{key}/versions/{version}', { params: { path: { key: d.key, version: d.version } } }))),
  );
  const byId = new Map<string, { title: Criterion['title']; verifiedBy: Set<string> }>();
  for (const version of versions) {
    for (const qualification of qualificationsOf(version.definition)) {
      const role = typeof qualification.verifiedBy === 'string' ? qualification.verifiedBy : undefined;
      for (const criterion of qualification.criteria ?? []) {
        if (typeof criterion.id !== 'string') continue;
        const entry = byId.get(criterion.id) ?? { title: undefined, verifiedBy: new Set<string>() };
        const title = criterion.title;
        if (!entry.title && typeof title?.zh === 'string' && typeof title.en === 'string') entry.title = { zh: title.zh, en: title.en };
        if (role) entry.verifiedBy.add(role);
        byId.set(criterion.id, entry);
      }
    }
  }
  return [...byId.entries()].map(([id, entry]) => ({ id, title: entry.title, verifiedBy: [...entry.verifiedBy].sort() }));
}

export type CriterionState = 'verified' | 'rejected' | 'expired' | 'pending' | 'missing';

/** Where one criterion stands for the vendor, as the registry's evidence says. */
export function criterionState(evidence: Evidence | undefined): CriterionState {
  if (!evidence) return 'missing';
  if (evidence.expired) return 'expired';
  if (evidence.rejection) return 'rejected';
  return evidence.verifications.length > 0 ? 'verified' : 'pending';
}

/** Tag colours dark enough for white text to pass WCAG AA contrast (Ant's preset light tags do not). */
export const COLOURS = { good: '#237804', bad: '#a8071a', warning: '#ad4e00', waiting: '#874d00', info: '#0958d9' } as const;

export const STATE_COLOURS: Record<CriterionState, string> = { verified: COLOURS.good, rejected: COLOURS.bad, expired: COLOURS.warning, pending: COLOURS.waiting, missing: '#595959' };
