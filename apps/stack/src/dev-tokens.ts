import { formatTable } from '../../cli/src/output.js';
import { signAccessToken } from '../../../src/identity/access-tokens.js';
import { ADMINISTRATOR_ROLE, type Identity } from '../../../src/identity/identity.js';

/** The roles of the seeded procedures that `npm start` prints a development token for, with who holds them. */
export const SEEDED_ROLES: ReadonlyArray<{ readonly role: string; readonly title: string }> = [
  { role: ADMINISTRATOR_ROLE, title: '系统管理员' },
  { role: 'justice-bureau', title: '司法局' },
  { role: 'finance-bureau', title: '财政局' },
  { role: 'procurement-centre', title: '政府采购中心' },
  { role: 'civil-affairs', title: '民政局' },
  { role: 'judicial-office', title: '司法所' },
  { role: 'third-party-evaluator', title: '第三方评估机构' },
  { role: 'vendor', title: '承接主体' },
];

/** How long the printed tokens last: a working day and then some; `procureflow dev token` makes more. */
export const DEV_TOKEN_LIFETIME_SECONDS = 12 * 3600;

export interface DevToken {
  readonly role: string;
  readonly identity: Identity;
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * One token per role for `jurisdiction`, each for its own development user `dev.<role>` (so four-eyes
 * rules can be met by using two tokens). `extraRoles` are further roles the deployed procedures of the
 * jurisdiction declare (e.g. Deqing's public-resource-office), so every task of them can be decided.
 */
export async function signDevTokens(
  secret: string,
  jurisdiction: string,
  extraRoles: ReadonlyArray<{ role: string; title: string }> = [],
  now: Date = new Date(),
): Promise<DevToken[]> {
  const roles = [...SEEDED_ROLES, ...extraRoles.filter((extra) => !SEEDED_ROLES.some((seeded) => seeded.role === extra.role))];
  return Promise.all(
    roles.map(async ({ role, title }) => {
      const identity: Identity = { userId: `dev.${role}`, name: `${title}（开发）`, roles: [role], jurisdiction };
      const { token, expiresAt } = await signAccessToken(identity, secret, { expiresInSeconds: DEV_TOKEN_LIFETIME_SECONDS, now });
      return { role, identity, token, expiresAt };
    }),
  );
}

/** The tokens as `npm start` prints them: role, user, then the token (last, since it is long). */
export function renderDevTokens(jurisdiction: string, tokens: readonly DevToken[]): string {
  const expires = tokens[0]?.expiresAt.toISOString().slice(0, 16).replace('T', ' ');
  return [
    `Development tokens for ${jurisdiction} (until ${expires ?? '-'} UTC; e.g. \`export PROCUREFLOW_TOKEN=<token>\`):`,
    ...formatTable(
      ['ROLE', 'USER', 'TOKEN'],
      tokens.map((t) => [t.role, t.identity.userId, t.token]),
    )
      .split('\n')
      .map((line) => `  ${line}`),
  ].join('\n');
}
