import { formatTable } from '../../cli/src/output.js';
import { signAccessToken } from '../../../src/identity/access-tokens.js';
import { ADMINISTRATOR_ROLE, type Identity, VENDOR_ROLE } from '../../../src/identity/identity.js';
import type { DevVendor } from './dev-vendors.js';

/**
 * The government roles of the seeded procedures that `npm start` prints a development token for, with
 * who holds them. Vendor staff get one token per development vendor, bound to it.
 */
export const SEEDED_ROLES: ReadonlyArray<{ readonly role: string; readonly title: string }> = [
  { role: ADMINISTRATOR_ROLE, title: '系统管理员' },
  { role: 'justice-bureau', title: '司法局' },
  { role: 'finance-bureau', title: '财政局' },
  { role: 'procurement-centre', title: '政府采购中心' },
  { role: 'civil-affairs', title: '民政局' },
  { role: 'judicial-office', title: '司法所' },
  { role: 'third-party-evaluator', title: '第三方评估机构' },
];

/** How long the printed tokens last: a working day and then some; `procureflow dev token` makes more. */
export const DEV_TOKEN_LIFETIME_SECONDS = 12 * 3600;

export interface DevToken {
  readonly role: string;
  /** For a vendor's staff: the organisation the token is bound to. */
  readonly vendor?: DevVendor;
  readonly identity: Identity;
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * One token per role for `jurisdiction`, each for its own development user `dev.<role>` (so four-eyes
 * rules can be met by using two tokens). `extraRoles` are further roles the deployed procedures of the
 * jurisdiction declare (e.g. Deqing's public-resource-office), so every task of them can be decided;
 * each of `vendors` gets a token of its own staff (`dev.vendor.<n>`), bound to it.
 */
export async function signDevTokens(
  secret: string,
  jurisdiction: string,
  extraRoles: ReadonlyArray<{ role: string; title: string }> = [],
  vendors: readonly DevVendor[] = [],
  now: Date = new Date(),
): Promise<DevToken[]> {
  const roles = [...SEEDED_ROLES, ...extraRoles.filter((extra) => extra.role !== VENDOR_ROLE && !SEEDED_ROLES.some((seeded) => seeded.role === extra.role))];
  const sign = async (identity: Identity, vendor?: DevVendor): Promise<DevToken> => {
    const { token, expiresAt } = await signAccessToken(identity, secret, { expiresInSeconds: DEV_TOKEN_LIFETIME_SECONDS, now });
    return { role: identity.roles[0] ?? '', identity, token, expiresAt, ...(vendor ? { vendor } : {}) };
  };
  return Promise.all([
    ...roles.map(({ role, title }) => sign({ userId: `dev.${role}`, name: `${title}（开发）`, roles: [role], jurisdiction })),
    ...vendors.map((vendor, index) =>
      sign({ userId: `dev.${VENDOR_ROLE}.${index + 1}`, name: `${vendor.name}职员`, roles: [VENDOR_ROLE], jurisdiction, vendorId: vendor.vendorId }, vendor),
    ),
  ]);
}

/** The tokens as `npm start` prints them: role, user, then the token (last, since it is long). */
export function renderDevTokens(jurisdiction: string, tokens: readonly DevToken[]): string {
  const expires = tokens[0]?.expiresAt.toISOString().slice(0, 16).replace('T', ' ');
  return [
    `Development tokens for ${jurisdiction} (until ${expires ?? '-'} UTC; e.g. \`export PROCUREFLOW_TOKEN=<token>\`):`,
    ...formatTable(
      ['ROLE', 'USER', 'VENDOR', 'TOKEN'],
      tokens.map((t) => [t.role, t.identity.userId, t.vendor ? t.vendor.vendorId : '-', t.token]),
    )
      .split('\n')
      .map((line) => `  ${line}`),
  ].join('\n');
}
